import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { COMMAND_STATES, CommandState, isTerminal } from '@switchyard/domain';

export type Wake = 'event' | 'idle' | 'aborted';

/**
 * A core NATS subscription to one command's lifecycle subject, opened before
 * the command is published so that no event can slip past it. `next` waits
 * for the next event (or returns at once if one came since the last call),
 * for at most `ms`.
 */
export class CommandWatch {
  private readonly sub: Subscription;
  private unseen = false;
  private terminal = false;
  private wake?: (w: Wake) => void;

  constructor(nc: NatsConnection, subject: string) {
    this.sub = nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const state = msg.json<{ state?: unknown }>().state;
          if (isState(state) && isTerminal(state)) this.terminal = true;
        } catch {
          // Not JSON: still a sign of life; the ledger read decides.
        }
        this.unseen = true;
        this.wake?.('event');
      },
    });
  }

  /** Whether an event announced a terminal state (then the ledger is read at once). */
  get sawTerminal(): boolean {
    return this.terminal;
  }

  next(ms: number, signal: AbortSignal): Promise<Wake> {
    if (signal.aborted) return Promise.resolve('aborted');
    if (this.unseen) {
      this.unseen = false;
      return Promise.resolve('event');
    }
    return new Promise<Wake>((resolve) => {
      const done = (w: Wake) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.wake = undefined;
        this.unseen = false;
        resolve(w);
      };
      const onAbort = () => done('aborted');
      const timer = setTimeout(() => done('idle'), ms);
      signal.addEventListener('abort', onAbort, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    if (!this.sub.isClosed()) this.sub.unsubscribe();
  }
}

function isState(value: unknown): value is CommandState {
  return typeof value === 'string' && (COMMAND_STATES as readonly string[]).includes(value);
}
