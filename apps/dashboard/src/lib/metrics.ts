/**
 * Turns successive snapshots of the gateway's metrics (GET /metrics/json,
 * prom-client's JSON form of the registry) into points for the charts:
 * rates from counter deltas, latency quantiles from histogram bucket deltas.
 * Pure: the page samples, this computes.
 */

export interface MetricValueJson {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export interface MetricJson {
  name: string;
  type: string;
  values: MetricValueJson[];
}

/** Counters and buckets read from one snapshot. */
export interface Sample {
  at: number;
  /** Commands accepted (idempotent replays excluded). */
  submitted: number;
  /** API requests answered (routes under /v1, event streams excluded). */
  requests: number;
  /** API requests answered with a 5xx. */
  errors: number;
  /** Cumulative latency buckets over every API route: [upper bound in seconds, count], ascending. */
  buckets: [number, number][];
  /** The event loop's p99 delay, seconds (a gauge). */
  eventLoopLagP99: number | null;
  /** Resident memory, bytes (a gauge). */
  residentBytes: number | null;
}

/** What the charts draw for the interval between two samples. */
export interface Point {
  at: number;
  submittedPerSec: number;
  requestsPerSec: number;
  errorsPerSec: number;
  /** Latency quantiles over the interval, milliseconds; null without requests. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  eventLoopLagMs: number | null;
}

export const SUBMITTED = 'switchyard_commands_submitted_total';
export const HTTP_DURATION = 'switchyard_http_request_duration_seconds';
const API_ROUTE = /^\/v1(\/|$)/;

function metric(metrics: readonly MetricJson[], name: string): MetricJson | undefined {
  return metrics.find((m) => m.name === name);
}

function gauge(metrics: readonly MetricJson[], name: string): number | null {
  const value = metric(metrics, name)?.values[0]?.value;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function upperBound(le: string | number | undefined): number {
  if (le === '+Inf' || le === undefined) return Infinity;
  return Number(le);
}

export function takeSample(metrics: readonly MetricJson[], at: number): Sample {
  const submitted = (metric(metrics, SUBMITTED)?.values ?? [])
    .filter((v) => String(v.labels.replayed) !== 'true')
    .reduce((sum, v) => sum + v.value, 0);
  let requests = 0;
  let errors = 0;
  const buckets = new Map<number, number>();
  for (const v of metric(metrics, HTTP_DURATION)?.values ?? []) {
    if (!API_ROUTE.test(String(v.labels.route ?? ''))) continue;
    if (v.metricName === `${HTTP_DURATION}_count`) {
      requests += v.value;
      if (v.labels.status === '5xx') errors += v.value;
    } else if (v.metricName === `${HTTP_DURATION}_bucket`) {
      const le = upperBound(v.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + v.value);
    }
  }
  return {
    at,
    submitted,
    requests,
    errors,
    buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]),
    eventLoopLagP99: gauge(metrics, 'nodejs_eventloop_lag_p99_seconds'),
    residentBytes: gauge(metrics, 'process_resident_memory_bytes'),
  };
}

/** Growth of a counter; a counter that went down was reset (a restart), so all of it is new. */
function increase(before: number, after: number): number {
  return after >= before ? after - before : after;
}

export function pointBetween(before: Sample, after: Sample): Point {
  const seconds = Math.max((after.at - before.at) / 1_000, 1e-3);
  const reset = after.requests < before.requests;
  const previous = new Map(before.buckets);
  const window: [number, number][] = after.buckets.map(([le, count]) => [
    le,
    reset ? count : Math.max(count - (previous.get(le) ?? 0), 0),
  ]);
  const ms = (q: number) => {
    const seconds = histogramQuantile(q, window);
    return seconds === null ? null : seconds * 1_000;
  };
  return {
    at: after.at,
    submittedPerSec: increase(before.submitted, after.submitted) / seconds,
    requestsPerSec: increase(before.requests, after.requests) / seconds,
    errorsPerSec: increase(before.errors, after.errors) / seconds,
    p50Ms: ms(0.5),
    p95Ms: ms(0.95),
    p99Ms: ms(0.99),
    eventLoopLagMs: after.eventLoopLagP99 === null ? null : after.eventLoopLagP99 * 1_000,
  };
}

/**
 * The q-quantile of a cumulative histogram, interpolating linearly inside the
 * bucket it falls in (as Prometheus' histogram_quantile does). A quantile in
 * the +Inf bucket is reported as the highest finite bound. Null when empty.
 */
export function histogramQuantile(q: number, buckets: readonly [number, number][]): number | null {
  if (buckets.length === 0) return null;
  const total = buckets[buckets.length - 1][1];
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return lowerBound;
      if (count === lowerCount) return le;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}
