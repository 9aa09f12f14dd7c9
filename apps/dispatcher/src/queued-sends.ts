/** NATS sends that follow ledger commits, in the order they were queued. */
export type Sends = (() => void)[];

/**
 * Runs `work`, which queues the NATS sends that follow its commits instead of
 * making them, and hands them back with its result: the caller makes them in
 * the same turn of the event loop as its acks, so that nats.js writes both to
 * the socket at once. If `work` throws, what it had queued followed commits
 * that stand, so it is sent before the error goes on.
 */
export async function withQueuedSends<T>(work: (sends: Sends) => Promise<T>): Promise<{ result: T; send: () => void }> {
  const sends: Sends = [];
  const send = () => sends.forEach((s) => s());
  try {
    return { result: await work(sends), send };
  } catch (err) {
    send();
    throw err;
  }
}
