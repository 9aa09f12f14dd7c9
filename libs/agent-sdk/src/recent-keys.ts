/**
 * A set that remembers only the last `capacity` keys added (oldest forgotten
 * first). The agent keeps the attempts it finished here, so a late duplicate
 * delivery of one is recognised without memory growing with uptime.
 */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`capacity must be an integer >= 1, got ${capacity}`);
  }

  add(key: string): void {
    // Re-adding moves the key to the newest end (Set keeps insertion order).
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value as string;
      this.keys.delete(oldest);
    }
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }
}
