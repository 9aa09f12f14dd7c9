import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { headers, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { DeliveryReceipts, RECEIPT_TIMEOUT_MS } from './delivery-receipts';

/** Just enough of a connection to see what the receipts subscribe to and publish, and to answer them. */
class Wire {
  callback?: (err: Error | null, msg: Msg) => void;
  subject = '';
  readonly published: { subject: string; reply: string }[] = [];
  unsubscribed = false;
  closed = false;

  readonly nc = {
    subscribe: (subject: string, opts: { callback: (err: Error | null, msg: Msg) => void }) => {
      this.subject = subject;
      this.callback = opts.callback;
      return { unsubscribe: () => (this.unsubscribed = true) };
    },
    publish: (subject: string, _data: string, opts: { reply: string }) => {
      if (this.closed) throw new Error('closed');
      this.published.push({ subject, reply: opts.reply });
    },
    isClosed: () => this.closed,
  } as unknown as NatsConnection;

  /** The server's answer to the n-th publish: a receipt, or the no-responders status. */
  answer(n: number, kind: 'receipt' | 'no-responders'): void {
    const h = kind === 'no-responders' ? ({ code: 503 } as MsgHdrs) : undefined;
    this.callback?.(null, { subject: this.published[n].reply, data: new Uint8Array(), headers: h } as Msg);
  }
}

describe('DeliveryReceipts', () => {
  let wire: Wire;
  let receipts: DeliveryReceipts;
  let gone: string[];

  beforeEach(() => {
    jest.useFakeTimers();
    wire = new Wire();
    receipts = new DeliveryReceipts(wire.nc);
    gone = [];
  });
  afterEach(() => {
    receipts.close();
    jest.useRealTimers();
  });

  const send = (id: string) => receipts.send(`deliver.${id}`, '{}', headers(), () => gone.push(id));

  it('replies come to one wildcard inbox, each delivery on its own token', () => {
    send('a');
    send('b');
    expect(wire.subject).toMatch(/\.\*$/);
    const [a, b] = wire.published;
    expect(a.reply).not.toBe(b.reply);
    for (const p of wire.published) expect(p.reply.startsWith(wire.subject.slice(0, -1))).toBe(true);
  });

  it.each([
    { name: 'a receipt settles the delivery without a release', answer: 'receipt' as const, released: [] },
    { name: 'no responders releases it, once', answer: 'no-responders' as const, released: ['a'] },
  ])('$name', ({ answer, released }) => {
    send('a');
    wire.answer(0, answer);
    wire.answer(0, answer);
    expect(gone).toEqual(released);
    expect(receipts.waiting).toBe(0);
  });

  it('forgets deliveries unanswered for a receipt timeout (at the next sweep), and ignores their late answers', () => {
    send('old');
    jest.advanceTimersByTime(RECEIPT_TIMEOUT_MS * 1.5);
    send('young');
    expect(receipts.waiting).toBe(2);
    jest.advanceTimersByTime(RECEIPT_TIMEOUT_MS / 2);
    expect(receipts.waiting).toBe(1);
    wire.answer(0, 'no-responders');
    expect(gone).toEqual([]);
    wire.answer(1, 'no-responders');
    expect(gone).toEqual(['young']);
  });

  it('a publish NATS refuses throws and leaves nothing waiting', () => {
    wire.closed = true;
    expect(() => send('a')).toThrow('closed');
    expect(receipts.waiting).toBe(0);
  });
});
