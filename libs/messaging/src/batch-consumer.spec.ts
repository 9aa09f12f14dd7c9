import { describe, expect, it } from '@jest/globals';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { BatchConsumer } from './batch-consumer';

/** A pull subscription fed by hand: push() delivers, close() ends it. */
function feed() {
  const queue: JsMsg[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const messages = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (closed) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
    close: () => {
      closed = true;
      wake?.();
      return Promise.resolve();
    },
  };
  return {
    js: { consumers: { get: () => Promise.resolve({ consume: () => Promise.resolve(messages) }) } },
    push: (...ms: JsMsg[]) => {
      queue.push(...ms);
      wake?.();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Held messages (hold/release): what the command consumer does with commands
 * whose agents are full, so that they go out as soon as room frees.
 */
describe('BatchConsumer.hold', () => {
  function rig(opts: { maxBatch?: number; ackWaitMs?: number; holdFirstMs?: number } = {}) {
    const log: string[] = [];
    const batches: number[][] = [];
    const { js, push } = feed();
    const heldOnce = new Set<number>();
    const consumer: BatchConsumer = new BatchConsumer(js as unknown as JetStreamClient, {
      stream: 's',
      durable: 'd',
      maxBatch: opts.maxBatch ?? 10,
      ackWaitMs: opts.ackWaitMs ?? 30_000,
      handle: (messages) => {
        batches.push(messages.map((m) => m.seq));
        // Each message is held the first time it comes, and acked when it comes again.
        const fresh = messages.filter((m) => !heldOnce.has(m.seq));
        for (const m of messages) if (heldOnce.has(m.seq)) m.ack();
        fresh.forEach((m) => heldOnce.add(m.seq));
        for (const m of consumer.hold(fresh, () => opts.holdFirstMs ?? 10_000)) m.nak(99);
        return Promise.resolve();
      },
      onError: () => undefined,
    });
    const message = (seq: number) =>
      ({
        seq,
        ack: () => log.push(`ack ${seq}`),
        nak: (delay?: number) => log.push(`nak ${seq}${delay === undefined ? '' : ` ${delay}`}`),
        working: () => log.push(`working ${seq}`),
      }) as unknown as JsMsg;
    return { consumer, push: (...seqs: number[]) => push(...seqs.map(message)), log, batches };
  }

  it('hands a held message to a later batch when its delay is up, after restarting its ack wait', async () => {
    const { consumer, push, log, batches } = rig({ holdFirstMs: 30 });
    await consumer.start();
    push(1);
    await sleep(10);
    expect(log).toEqual(['working 1']);
    await sleep(60);
    expect(batches).toEqual([[1], [1]]);
    expect(log).toEqual(['working 1', 'ack 1']);
    await consumer.stop();
  });

  it('release() hands every held message over at once, in one batch', async () => {
    const { consumer, push, log, batches } = rig();
    await consumer.start();
    push(1, 2);
    await sleep(10);
    consumer.release();
    await sleep(10);
    expect(batches.flat()).toEqual([1, 2, 1, 2]);
    expect(batches.at(-1)).toEqual([1, 2]);
    expect(log).toEqual(['working 1', 'working 2', 'ack 1', 'ack 2']);
    await consumer.stop();
  });

  it('release(n) hands over the n longest held, and the rest when their delay is up', async () => {
    const { consumer, push, batches } = rig({ holdFirstMs: 60 });
    await consumer.start();
    push(1, 2, 3);
    await sleep(10);
    consumer.release(2);
    await sleep(10);
    expect(batches.at(-1)).toEqual([1, 2]);
    await sleep(80);
    expect(batches.at(-1)).toEqual([3]);
    await consumer.stop();
  });

  it('holds at most one batch worth and returns the rest to be nak’ed', async () => {
    const { consumer, push, log } = rig({ maxBatch: 2 });
    await consumer.start();
    push(1, 2, 3);
    await sleep(10);
    expect(log.filter((l) => l.startsWith('nak'))).toEqual(['nak 3 99']);
    expect(log.filter((l) => l.startsWith('working'))).toEqual(['working 1', 'working 2']);
    await consumer.stop();
  });

  it('never holds a message past half its ack wait', async () => {
    const { consumer, push, batches } = rig({ ackWaitMs: 40, holdFirstMs: 10_000 });
    await consumer.start();
    push(1);
    await sleep(80);
    expect(batches).toEqual([[1], [1]]);
    await consumer.stop();
  });

  it('stop() naks what it holds, and nothing comes back afterwards', async () => {
    const { consumer, push, log, batches } = rig({ holdFirstMs: 30 });
    await consumer.start();
    push(1);
    await sleep(10);
    await consumer.stop();
    await sleep(60);
    expect(log).toEqual(['working 1', 'nak 1']);
    expect(batches).toEqual([[1]]);
  });
});
