import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JsMsg } from '@nats-io/jetstream';
import { Logger } from '@nestjs/common';
import type { SwitchyardConfig } from '@switchyard/config';
import { type BatchConsumerOptions, consumersFor, type JetStreamService } from '@switchyard/messaging';
import type { AgentSessionService } from './agent-session.service';
import { ReportConsumer } from './report.consumer';
import type { AgentReport, ReportService } from './report.service';
import { RoomSignal } from './room-signal';

/**
 * As for command batches (command.consumer.spec.ts): a report batch's
 * lifecycle events and its acks are made in one turn, before the microtask in
 * which nats.js flushes what was sent (`flush` in the log).
 */
describe('ReportConsumer', () => {
  // The terminated report is logged as a warning, which this test expects.
  beforeAll(() => Logger.overrideLogger(['error', 'fatal']));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  function rig() {
    const log: string[] = [];
    const handles: BatchConsumerOptions['handle'][] = [];
    const jetstream = {
      consumers: consumersFor('t'),
      startWorker: (_spec: unknown, options: Omit<BatchConsumerOptions, 'stream' | 'durable' | 'ackWaitMs'>) => {
        handles.push(options.handle);
        return Promise.resolve();
      },
    } as unknown as JetStreamService;
    const reports = {
      apply: (items: readonly AgentReport[]) => {
        log.push(`apply ${items.map((i) => i.report.kind).join(',')}`);
        return Promise.resolve(() => {
          log.push('send');
          queueMicrotask(() => log.push('flush'));
        });
      },
    } as unknown as ReportService;
    const config = { dispatcher: { batchSize: 10, ackWaitMs: 30_000 } } as SwitchyardConfig;
    const room = new RoomSignal();
    room.subscribe((slots) => log.push(`room ${slots}`));
    const sessions = { apply: () => Promise.resolve() } as unknown as AgentSessionService;
    const consumer = new ReportConsumer(jetstream, reports, sessions, config, room);
    const message = (n: number, body: unknown, kind = 'report') =>
      ({
        subject: `t.agent.worker-1.${kind}`,
        seq: n,
        data: new TextEncoder().encode(JSON.stringify(body)),
        headers: undefined,
        ack: () => log.push(`ack ${n}`),
        term: () => log.push(`term ${n}`),
      }) as unknown as JsMsg;
    return {
      log,
      message,
      run: async (messages: JsMsg[]) => {
        await consumer.onApplicationBootstrap();
        await handles[0](messages);
        await Promise.resolve();
      },
    };
  }
  const report = (n: number, kind: string, extra: Record<string, unknown> = {}) => ({
    commandId: `00000000-0000-7000-8000-00000000000${n}`,
    attempt: 1,
    kind,
    ...extra,
  });

  it('applies the batch, then sends its events and acks it in one turn; a malformed report is terminated', async () => {
    const { log, message, run } = rig();
    await run([
      message(1, report(1, 'succeeded', { result: 1 })),
      message(2, { kind: 'nonsense' }),
      message(3, report(3, 'succeeded', { result: 3 })),
    ]);
    expect(log).toEqual(['term 2', 'apply succeeded,succeeded', 'send', 'ack 1', 'ack 3', 'room 2', 'flush']);
  });

  // Room: held saturated commands are offered again (command.consumer.ts), one per attempt that may have ended.
  it.each([
    { kinds: ['succeeded'], room: ['room 1'] },
    { kinds: ['failed', 'released'], room: ['room 2'] },
    { kinds: ['accepted', 'heartbeat', 'progress'], room: [] },
    { kinds: ['accepted', 'succeeded', 'succeeded'], room: ['room 2'] },
  ])('a batch of $kinds signals $room', async ({ kinds, room }) => {
    const extra: Record<string, Record<string, unknown>> = {
      succeeded: { result: null },
      failed: { error: { message: 'x' } },
      progress: { progress: 1 },
    };
    const { log, message, run } = rig();
    await run(kinds.map((k, i) => message(i + 1, report(i + 1, k, extra[k]))));
    expect(log.filter((l) => l.startsWith('room'))).toEqual(room);
  });

  it.each([
    { session: 'connect', room: ['room Infinity'] },
    { session: 'heartbeat', room: [] },
    { session: 'disconnect', room: [] },
  ])('a session $session signals $room', async ({ session, room }) => {
    const { log, message, run } = rig();
    const body = { kind: session, sessionId: 's1', ...(session === 'connect' ? { pools: [], concurrency: 4 } : {}) };
    await run([message(1, body, 'session')]);
    expect(log).toContain('ack 1');
    expect(log.filter((l) => l.startsWith('room'))).toEqual(room);
  });
});
