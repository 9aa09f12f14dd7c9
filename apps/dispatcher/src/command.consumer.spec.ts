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

/**
 * The consumer makes a batch's NATS sends (deliveries, lifecycle events) and
 * then its acks in one turn of the event loop: nats.js flushes its buffer in
 * a microtask queued by the first send, so only acks made before that
 * microtask runs share the sends' socket write. The log below records that
 * microtask as `flush`.
 */
describe('CommandConsumer', () => {
  function rig(dispositions: Disposition[]) {
    const log: string[] = [];
    const dispatched: Submission[] = [];
    let handle: BatchConsumerOptions['handle'] | undefined;
    const jetstream = {
      consumers: consumersFor('t'),
      subjects: subjectsFor('t'),
      startWorker: (_spec: unknown, options: Omit<BatchConsumerOptions, 'stream' | 'durable'>) => {
        handle = options.handle;
        return Promise.resolve();
      },
    } as unknown as JetStreamService;
    const dispatch = {
      adoptParents: (s: readonly Submission[]) => Promise.resolve([...s]),
      dispatch: (submissions: readonly Submission[]): Promise<DispatchOutcome> => {
        dispatched.push(...submissions);
        // As the real step does: the sends wait until the caller makes them, after every await of the batch.
        return Promise.resolve({
          dispositions,
          send: () => {
            log.push('send');
            queueMicrotask(() => log.push('flush'));
          },
        });
      },
    } as unknown as DispatchService;
    const config = { dispatcher: { batchSize: 10, ackWaitMs: 30_000, saturatedRetryMs: 250 } } as SwitchyardConfig;
    const consumer = new CommandConsumer(jetstream, dispatch, config);
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
    return {
      log,
      dispatched,
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
      name: 'a saturated command is handed back with its delay, in the same turn',
      dispositions: [{ kind: 'ack' }, { kind: 'retry-later', reason: 'saturated' }] as Disposition[],
      expected: ['send', 'ack 1', 'nak 2 250', 'flush'],
    },
  ])('$name', async ({ dispositions, expected }) => {
    const { log, run } = rig(dispositions);
    await run(dispositions.length);
    expect(log).toEqual(expected);
  });

  it('hands a ledger message over with the target its subject names', async () => {
    const { dispatched, run } = rig([{ kind: 'ack' }]);
    await run(1);
    expect(dispatched).toEqual([
      { kind: 'ledger', commandId: '00000000-0000-7000-8000-000000000001', target: { kind: 'agent', name: 'a' } },
    ]);
  });
});
