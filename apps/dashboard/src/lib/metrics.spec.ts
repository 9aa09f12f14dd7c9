import { describe, expect, it } from '@jest/globals';
import {
  histogramQuantile,
  HTTP_DURATION,
  MetricJson,
  MetricValueJson,
  pointBetween,
  SUBMITTED,
  takeSample,
} from './metrics';

function snapshot(opts: { submitted: number; replayed?: number; v1: number[]; health?: number; errors?: number }) {
  const bounds = [0.01, 0.1, 1];
  const bucketsOf = (route: string, status: string, observations: number[]): MetricValueJson[] => [
    ...bounds.map((le) => ({
      metricName: `${HTTP_DURATION}_bucket`,
      value: observations.filter((o) => o <= le).length,
      labels: { le, route, method: 'GET', status },
    })),
    { metricName: `${HTTP_DURATION}_bucket`, value: observations.length, labels: { le: '+Inf', route, status } },
    { metricName: `${HTTP_DURATION}_count`, value: observations.length, labels: { route, status } },
    { metricName: `${HTTP_DURATION}_sum`, value: observations.reduce((a, b) => a + b, 0), labels: { route, status } },
  ];
  const metrics: MetricJson[] = [
    {
      name: SUBMITTED,
      type: 'counter',
      values: [
        { value: opts.submitted, labels: { replayed: 'false' } },
        { value: opts.replayed ?? 0, labels: { replayed: 'true' } },
      ],
    },
    {
      name: HTTP_DURATION,
      type: 'histogram',
      values: [
        ...bucketsOf('/v1/commands', '2xx', opts.v1),
        ...bucketsOf(
          '/v1/commands/:id',
          '5xx',
          Array.from({ length: opts.errors ?? 0 }, () => 0.5),
        ),
        ...bucketsOf(
          '/health/ready',
          '2xx',
          Array.from({ length: opts.health ?? 0 }, () => 0.001),
        ),
      ],
    },
    { name: 'nodejs_eventloop_lag_p99_seconds', type: 'gauge', values: [{ value: 0.012, labels: {} }] },
  ];
  return metrics;
}

describe(takeSample.name, () => {
  it('sums API routes only, leaves replays out and merges buckets by bound', () => {
    const sut = takeSample(snapshot({ submitted: 7, replayed: 3, v1: [0.005, 0.05, 2], health: 40, errors: 1 }), 1_000);
    expect(sut).toEqual({
      at: 1_000,
      submitted: 7,
      requests: 4,
      errors: 1,
      buckets: [
        [0.01, 1],
        [0.1, 2],
        [1, 3],
        [Infinity, 4],
      ],
      eventLoopLagP99: 0.012,
      residentBytes: null,
    });
  });

  it('reads an empty registry as zeros', () => {
    expect(takeSample([], 5)).toMatchObject({ submitted: 0, requests: 0, errors: 0, buckets: [] });
  });
});

describe(pointBetween.name, () => {
  it('turns counter growth into rates per second and quantiles over the interval only', () => {
    const before = takeSample(snapshot({ submitted: 10, v1: [2, 2, 2, 2] }), 0);
    const after = takeSample(snapshot({ submitted: 30, v1: [2, 2, 2, 2, 0.05, 0.05, 0.05, 0.05], errors: 2 }), 2_000);
    const sut = pointBetween(before, after);
    expect(sut.submittedPerSec).toBe(10);
    expect(sut.requestsPerSec).toBe(3);
    expect(sut.errorsPerSec).toBe(1);
    // The interval saw four requests at 50 ms and two at 500 ms: the slow ones before it do not count.
    expect(sut.p50Ms).toBeCloseTo(77.5, 5);
    expect(sut.p99Ms).toBeCloseTo(973, 5);
    expect(sut.eventLoopLagMs).toBeCloseTo(12, 5);
  });

  it('reads a counter that went down as a restart: everything after it is new', () => {
    const before = takeSample(snapshot({ submitted: 100, v1: [0.05, 0.05, 0.05] }), 0);
    const after = takeSample(snapshot({ submitted: 4, v1: [0.05] }), 1_000);
    expect(pointBetween(before, after)).toMatchObject({ submittedPerSec: 4, requestsPerSec: 1 });
  });

  it('has no latency for an interval without requests', () => {
    const same = takeSample(snapshot({ submitted: 1, v1: [0.05] }), 0);
    expect(pointBetween(same, { ...same, at: 1_000 })).toMatchObject({ requestsPerSec: 0, p50Ms: null });
  });
});

describe(histogramQuantile.name, () => {
  const buckets: [number, number][] = [
    [0.1, 50],
    [1, 90],
    [Infinity, 100],
  ];

  it.each([
    { q: 0.25, value: 0.05 },
    { q: 0.5, value: 0.1 },
    { q: 0.7, value: 0.55 },
    { q: 0.95, value: 1 },
  ])('q=$q → $value', ({ q, value }) => {
    expect(histogramQuantile(q, buckets)).toBeCloseTo(value, 10);
  });

  it('is null for an empty histogram', () => {
    expect(histogramQuantile(0.5, [])).toBeNull();
    expect(histogramQuantile(0.5, [[1, 0]])).toBeNull();
  });
});
