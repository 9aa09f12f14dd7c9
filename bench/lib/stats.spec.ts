import { describe, expect, it } from '@jest/globals';
import { medianRun, type RunResult } from './stats';

const run = (system: string, rate: RunResult['rate'], workers: number, p99: number, repeat?: number): RunResult => ({
  system,
  rate,
  seconds: 10,
  warmupSeconds: 3,
  workers,
  ...(repeat ? { repeat } : {}),
  submitted: 1,
  refused: 0,
  completed: 1,
  throughput: 1,
  toStart: { p50: p99 / 2, p95: p99, p99 },
  toTerminal: { p50: 0, p95: 0, p99: 0 },
  roundTrip: { p50: 0, p95: 0, p99: 0 },
  peakRssMb: {},
  peakBacklog: 0,
});

describe(medianRun.name, () => {
  const runs = [
    run('switchyard-nats', 1000, 1, 90, 1),
    run('switchyard-nats', 1000, 1, 30, 2),
    run('switchyard-nats', 1000, 1, 45, 3),
    run('switchyard-nats', 1000, 2, 10),
    run('switchyard-nats', 500, 1, 5),
    run('graphile-worker', 1000, 1, 20, 1),
    run('graphile-worker', 1000, 1, 60, 2),
  ];

  it.each([
    {
      name: 'three repeats: the middle p99',
      system: 'switchyard-nats',
      rate: 1000,
      workers: 1,
      p99: 45,
      of: 3,
      range: [30, 90],
    },
    {
      name: 'two repeats: the lower middle',
      system: 'graphile-worker',
      rate: 1000,
      workers: 1,
      p99: 20,
      of: 2,
      range: [20, 60],
    },
    { name: 'one run: itself', system: 'switchyard-nats', rate: 1000, workers: 2, p99: 10, of: 1, range: [10, 10] },
    { name: 'another rate apart', system: 'switchyard-nats', rate: 500, workers: 1, p99: 5, of: 1, range: [5, 5] },
  ] as const)('$name', ({ system, rate, workers, p99, of, range }) => {
    const m = medianRun(runs, system, rate, workers);
    expect(m?.run.toStart.p99).toBe(p99);
    expect(m?.of).toBe(of);
    expect(m?.p99Range).toEqual(range);
  });

  it('nothing for a system, rate or worker count that was not run', () => {
    expect(medianRun(runs, 'pg-boss', 1000, 1)).toBeUndefined();
    expect(medianRun(runs, 'switchyard-nats', 'max', 1)).toBeUndefined();
    expect(medianRun(runs, 'switchyard-nats', 500, 2)).toBeUndefined();
  });
});
