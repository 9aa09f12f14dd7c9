/**
 * The agent's local admission control: at most `concurrency` items run at
 * once and the rest wait in arrival order (FIFO).
 *
 * Every item that enters has already been accepted, so the queue only decides
 * *when* an item runs, never *whether*. An item moves through two modes:
 *
 *   push ─▶ waiting ─▶ running ─▶ finish (removed)
 *              └──────▶ drainWaiting (removed, never started)
 *
 * Each call that can free or fill a slot returns the items that start now;
 * the caller starts exactly those, so the queue holds no callbacks and no I/O.
 */
export class LocalWorkQueue<K> {
  private readonly running = new Set<K>();
  private readonly waiting: K[] = [];

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`concurrency must be an integer >= 1, got ${concurrency}`);
    }
  }

  /** Admits an item; returns `[item]` when a slot is free, `[]` when it waits. */
  push(item: K): K[] {
    if (this.has(item)) throw new Error(`item already queued: ${String(item)}`);
    this.waiting.push(item);
    return this.fill();
  }

  /** Frees the slot of a running item; returns the waiting items that start in its place. */
  finish(item: K): K[] {
    if (!this.running.delete(item)) {
      throw new Error(`item is not running: ${String(item)}`);
    }
    return this.fill();
  }

  /** Removes every waiting item (graceful drain) and returns them in arrival order. */
  drainWaiting(): K[] {
    return this.waiting.splice(0, this.waiting.length);
  }

  has(item: K): boolean {
    return this.running.has(item) || this.waiting.includes(item);
  }

  get runningCount(): number {
    return this.running.size;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  private fill(): K[] {
    const started: K[] = [];
    while (this.running.size < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift() as K;
      this.running.add(next);
      started.push(next);
    }
    return started;
  }
}
