import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** How long a delivery waits for a "no responders" status (or an agent's reply) before it is forgotten. */
export const RECEIPT_TIMEOUT_MS = 2_000;

interface Pending {
  sentAt: number;
  onNoResponders: () => void;
}

/**
 * Deliveries as plain publishes whose reply subject is one shared inbox of
 * this dispatcher, instead of a `request()` each: nats.js builds a request
 * object, a timer and error objects per request, which at a thousand
 * deliveries a second was several per cent of the dispatcher's CPU.
 *
 * The server answers a publish with a reply subject that nobody subscribes
 * to with a "no responders" status (503); that calls the delivery's
 * `onNoResponders`. No answer at all (the rule: the SDK sends no receipt,
 * decision 016), or an agent's empty reply, needs nothing: the attempt is
 * then the agent's report's or the ack timeout's to settle. Deliveries
 * unanswered for RECEIPT_TIMEOUT_MS are forgotten by the next run of one
 * sweep timer (so after one to two timeouts).
 */
export class DeliveryReceipts {
  /** By token; a Map keeps insertion order, so the oldest come first. */
  private readonly pending = new Map<string, Pending>();
  private readonly inbox: string;
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(private readonly nc: NatsConnection) {
    this.inbox = createInbox();
    this.subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (err, msg) => {
        if (!err) this.answered(msg);
      },
    });
    this.sweeper = setInterval(() => this.forgetBefore(Date.now() - RECEIPT_TIMEOUT_MS), RECEIPT_TIMEOUT_MS);
    this.sweeper.unref();
  }

  /** Publishes `data` to `subject` with a reply subject on the shared inbox; throws when NATS refuses it. */
  send(subject: string, data: string, headers: MsgHdrs, onNoResponders: () => void): void {
    const token = (this.next++).toString(36);
    this.nc.publish(subject, data, { reply: `${this.inbox}.${token}`, headers });
    this.pending.set(token, { sentAt: Date.now(), onNoResponders });
  }

  /** Deliveries still waiting for an answer. */
  get waiting(): number {
    return this.pending.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.pending.clear();
    if (!this.nc.isClosed()) this.subscription.unsubscribe();
  }

  private answered(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length + 1);
    const entry = this.pending.get(token);
    if (!entry) return;
    this.pending.delete(token);
    if (msg.data.length === 0 && msg.headers?.code === 503) entry.onNoResponders();
  }

  private forgetBefore(cutoff: number): void {
    for (const [token, entry] of this.pending) {
      if (entry.sentAt >= cutoff) return;
      this.pending.delete(token);
    }
  }
}
