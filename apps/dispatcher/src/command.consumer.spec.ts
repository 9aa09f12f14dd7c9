import { describe, expect, it } from '@jest/globals';
import type { JsMsg } from '@nats-io/jetstream';
import type { SwitchyardConfig } from '@switchyard/config';
import {
  type BatchConsumerOptions,
  consumersFor,
  type JetStreamService,
  LEDGER_ID_HEADER,
  subjectsFor,
} from '@switchyard/messaging';
import { CommandConsumer } from './command.consumer';
import type { Disposition, DispatchOutcome, DispatchService, Submission } from './dispatch.service';
import { RoomSignal } from './room-signal';

/**
 * The consumer makes a batch's NATS sends (deliveries, lifecycle events) and
 * then its acks in one turn of the event loop: nats.js flushes its buffer in
 * a microtask queued by the first send, so only acks made before that
 * microtask runs share the sends' socket write. The log below records that
 * microtask as `flush`.
 */
describe('CommandConsumer', () => {
  /**
   * `rounds`: the dispatch step's dispositions for each batch in turn (the last
   * repeats). `holdRoom`: how many messages the worker agrees to hold (the rest
   * are handed back to be nak'ed).
   */
  function rig(rounds: Disposition[][], holdRoom = Infinity) {
    const queue = [...rounds];
    const log: string[] = [];
    const dispatched: Submission[] = [];
    let handle: BatchConsumerOptions['handle'] | undefined;
    const jetstream = {
      consumers: consumersFor('t'),
      subjects: subjectsFor('t'),
      startWorker: (_spec: unknown, options: Omit<BatchConsumerOptions, 'stream' | 'durable' | 'ackWaitMs'>) => {
        handle = options.handle;
        return Promise.resolve({
          hold: (messages: JsMsg[], ms: (m: JsMsg) => number) => {
            const held = messages.slice(0, holdRoom);
            log.push(...held.map((m) => `hold ${m.seq} ${ms(m)}`));
            return messages.slice(held.length);
          },
          release: (count: number) => log.push(`release ${count}`),
        });
      },
    } as unknown as JetStreamService;
    const dispatch = {
      adoptParents: (s: readonly Submission[]) => Promise.resolve([...s]),
      dispatch: (submissions: readonly Submission[]): Promise<DispatchOutcome> => {
        dispatched.push(...submissions);
        // As the real step does: the sends wait until the caller makes them, after every await of the batch.
        return Promise.resolve({
          dispositions: queue.length > 1 ? queue.shift()! : queue[0],
          send: () => {
            log.push('send');
            queueMicrotask(() => log.push('flush'));
          },
        });
      },
    } as unknown as DispatchService;
    const config = {
      dispatcher: { batchSize: 10, ackWaitMs: 30_000, saturatedRetryMs: 250 },
      limits: { maxPayloadBytes: 1_024, maxCommandDepth: 8 },
      commandDefaults: { maxAttempts: 3, ackTimeoutMs: 10_000, heartbeatTimeoutMs: 30_000, deadlineMs: 60_000 },
    } as SwitchyardConfig;
    const room = new RoomSignal();
    const consumer = new CommandConsumer(jetstream, dispatch, config, room);
    const message = (n: number) =>
      ({
        subject: subjectsFor('t').submitToAgent('a'),
        seq: n,
        info: { deliveryCount: 1 },
        headers: { get: (k: string) => (k === LEDGER_ID_HEADER ? `00000000-0000-7000-8000-00000000000${n}` : '') },
        ack: () => log.push(`ack ${n}`),
        nak: (delay?: number) => log.push(`nak ${n} ${delay}`),
        term: () => log.push(`term ${n}`),
      }) as unknown as JsMsg;
    /** A new command over NATS (no ledger id): the dispatcher records it. */
    const submission = (n: number) =>
      ({
        subject: subjectsFor('t').submitToPool('p'),
        seq: n,
        data: new TextEncoder().encode(JSON.stringify({ type: 'echo', payload: { n } })),
        info: { deliveryCount: 1 },
        headers: { get: (k: string) => (k === 'Nats-Msg-Id' ? `msg-${n}` : '') },
        ack: () => log.push(`ack ${n}`),
        nak: (delay?: number) => log.push(`nak ${n} ${delay}`),
        term: () => log.push(`term ${n}`),
      }) as unknown as JsMsg;
    return {
      log,
      room,
      dispatched,
      submission,
      /** Hands these messages to the consumer as one batch. */
      handle: async (messages: JsMsg[]) => {
        if (!handle) await consumer.onApplicationBootstrap();
        await handle!(messages);
        await Promise.resolve();
      },
      run: async (count: number) => {
        await consumer.onApplicationBootstrap();
        await handle!(Array.from({ length: count }, (_, i) => message(i + 1)));
        await Promise.resolve();
      },
    };
  }

  it.each([
    {
      name: 'acks go out after the sends, before their flush',
      dispositions: [{ kind: 'ack' }, { kind: 'ack' }] as Disposition[],
      expected: ['send', 'ack 1', 'ack 2', 'flush'],
    },
    {
      name: 'a saturated command is held back for the retry delay, in the same turn',
      dispositions: [
        { kind: 'ack' },
        { kind: 'retry-later', reason: 'saturated', commandId: 'row-1' },
      ] as Disposition[],
      expected: ['send', 'ack 1', 'hold 2 250', 'flush'],
    },
    {
      name: 'saturated commands the worker cannot hold are handed back with the delay',
      dispositions: [
        { kind: 'retry-later', reason: 'saturated', commandId: 'row-1' },
        { kind: 'retry-later', reason: 'saturated', commandId: 'row-1' },
      ] as Disposition[],
      holdRoom: 1,
      expected: ['send', 'hold 1 250', 'nak 2 250', 'flush'],
    },
    {
      name: 'a command for an agent that just came online is handed back at once',
      dispositions: [{ kind: 'retry-later', reason: 'agent-came-online' }] as Disposition[],
      expected: ['send', 'nak 1 50', 'flush'],
    },
  ])('$name', async ({ dispositions, expected, holdRoom }) => {
    const { log, run } = rig([dispositions], holdRoom);
    await run(dispositions.length);
    expect(log).toEqual(expected);
  });

  it('room signalled by a report batch releases as many held commands as slots freed', async () => {
    const { log, room, run } = rig([[{ kind: 'retry-later', reason: 'saturated', commandId: 'row-1' }]]);
    await run(1);
    room.signal(3);
    room.signal(0);
    expect(log.slice(-2)).toEqual(['flush', 'release 3']);
  });

  it('a held command comes back as the row it was recorded as, not as a new command', async () => {
    const { dispatched, handle, submission } = rig([
      [{ kind: 'retry-later', reason: 'saturated', commandId: 'row-of-1' }],
      [{ kind: 'ack' }],
    ]);
    const held = submission(1);
    await handle([held]);
    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]).toMatchObject({ kind: 'new', draft: { type: 'echo', target: 'p', targetKind: 'pool' } });
    await handle([held]);
    expect(dispatched[1]).toEqual({ kind: 'ledger', commandId: 'row-of-1', target: { kind: 'pool', name: 'p' } });
  });

  it('a command that keeps finding no room is held longer each time: base, 2×, then 4× base', async () => {
    const { log, handle, submission } = rig([[{ kind: 'retry-later', reason: 'saturated', commandId: 'row-of-1' }]]);
    const held = submission(1);
    for (let i = 0; i < 4; i++) await handle([held]);
    expect(log.filter((l) => l.startsWith('hold'))).toEqual(['hold 1 250', 'hold 1 500', 'hold 1 1000', 'hold 1 1000']);
  });

  it('hands a ledger message over with the target its subject names', async () => {
    const { dispatched, run } = rig([[{ kind: 'ack' }]]);
    await run(1);
    expect(dispatched).toEqual([
      { kind: 'ledger', commandId: '00000000-0000-7000-8000-000000000001', target: { kind: 'agent', name: 'a' } },
    ]);
  });
});
