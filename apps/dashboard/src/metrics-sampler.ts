import { MetricJson, Point, pointBetween, Sample, takeSample } from './lib/metrics';

/** Sample every 2 s and keep 10 minutes: enough to see a burst come and go. */
export const SAMPLE_INTERVAL_MS = 2_000;
const KEEP_POINTS = 300;

type Listener = (points: readonly Point[]) => void;

/**
 * Polls the gateway's GET /metrics/json from the moment the page opens (not
 * only while the charts are shown, so they have a history when opened) and
 * keeps the points computed between successive samples.
 */
class MetricsSampler {
  readonly points: Point[] = [];
  private last: Sample | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners = new Set<Listener>();
  error: string | undefined;

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), SAMPLE_INTERVAL_MS);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.points);
    return () => this.listeners.delete(listener);
  }

  private async sample(): Promise<void> {
    try {
      const res = await fetch('/metrics/json', { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (!res.ok) throw new Error(`GET /metrics/json answered ${res.status}`);
      const sample = takeSample((await res.json()) as MetricJson[], Date.now());
      if (this.last) {
        this.points.push(pointBetween(this.last, sample));
        if (this.points.length > KEEP_POINTS) this.points.splice(0, this.points.length - KEEP_POINTS);
      }
      this.last = sample;
      this.error = undefined;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
    for (const listener of this.listeners) listener(this.points);
  }
}

export const sampler = new MetricsSampler();
