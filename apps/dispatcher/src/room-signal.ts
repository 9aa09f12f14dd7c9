import { Injectable } from '@nestjs/common';

/**
 * "Agents may have room again": a report batch ended attempts, or an agent's
 * session came up. The command consumer then offers that many of the commands
 * it held back as saturated at once (the longest held first), instead of when
 * their delay is up: one re-offer per freed slot, not every held command on
 * every report batch. Only this process hears it; commands held by another
 * replica wait for that replica's reports or for their delay.
 */
@Injectable()
export class RoomSignal {
  private readonly listeners = new Set<(slots: number) => void>();

  /** Calls `listener` on every signal, for the life of the process. */
  subscribe(listener: (slots: number) => void): void {
    this.listeners.add(listener);
  }

  /** `slots`: attempts that ended (Infinity when an agent came up: its whole concurrency). */
  signal(slots: number): void {
    if (slots <= 0) return;
    for (const listener of this.listeners) listener(slots);
  }
}
