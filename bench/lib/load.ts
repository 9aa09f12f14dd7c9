import { performance } from 'node:perf_hooks';
import type { Rate } from './stats';

export interface LoadSpec {
  /** Printed at the start of each progress line. */
  label: string;
  rate: Rate;
  /** Load offered first and left out of the figures: JIT compilation, connection pools and caches warm up. */
  warmupSeconds: number;
  /** Measured load, after the warm-up. */
  seconds: number;
  /** Submissions in flight at most (and, at "max", always). */
  maxInFlight: number;
  /** One submission; resolves false when the system refused it. */
  submit(): Promise<boolean>;
  /** How many submissions have finished (terminal), as the system's own store says. */
  done(): Promise<number>;
  /** How long to wait for the backlog to drain after the load stops. */
  drainTimeoutMs: number;
  /** Called once, when the warm-up is over (e.g. to start a CPU meter). */
  onWarmedUp?: () => void;
}

export interface LoadOutcome {
  submitted: number;
  refused: number;
  /** Client-side duration of each accepted submit call made after the warm-up, ms. */
  roundTrips: number[];
  /** Epoch ms at which the warm-up ended: submissions from then on are the measured ones. */
  measuredFrom: number;
  peakBacklog: number;
  done: number;
}

/**
 * Offers load at a fixed rate (in 5 ms slices) or, at "max", keeps
 * `maxInFlight` submissions open for `warmupSeconds + seconds`; then waits for
 * the backlog to drain. Prints one line a second: offered so far, submitted,
 * done, backlog.
 */
export async function offerLoad(spec: LoadSpec): Promise<LoadOutcome> {
  let submitted = 0;
  let refused = 0;
  let done = 0;
  let peakBacklog = 0;
  const roundTrips: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const totalSeconds = spec.warmupSeconds + spec.seconds;
  const measuredFrom = Date.now() + spec.warmupSeconds * 1000;
  const offeredBy = (t: number) =>
    spec.rate === 'max'
      ? submitted
      : Math.min(totalSeconds * spec.rate, Math.floor(((t - started) / 1000) * spec.rate));

  let polling = false;
  const progress = setInterval(() => {
    if (polling) return;
    polling = true;
    spec
      .done()
      .then((n) => {
        done = n;
        const accepted = submitted - refused;
        const backlog = accepted - done;
        peakBacklog = Math.max(peakBacklog, backlog);
        const t = (performance.now() - started) / 1000;
        process.stderr.write(
          `  [${spec.label}] ${t.toFixed(0).padStart(3)} s  offered ${offeredBy(performance.now())}  ` +
            `submitted ${submitted}${refused ? ` (refused ${refused})` : ''}  done ${done}  backlog ${backlog}\n`,
        );
      })
      .catch(() => undefined)
      .finally(() => (polling = false));
  }, 1000);

  const one = (): void => {
    submitted += 1;
    const t0 = performance.now();
    const measured = Date.now() >= measuredFrom;
    const p: Promise<void> = spec
      .submit()
      .then(
        (ok) => {
          if (!ok) refused += 1;
          else if (measured) roundTrips.push(performance.now() - t0);
        },
        () => {
          refused += 1;
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  try {
    const deadline = started + totalSeconds * 1000;
    let warm = false;
    while (performance.now() < deadline) {
      if (!warm && Date.now() >= measuredFrom) {
        warm = true;
        spec.onWarmedUp?.();
      }
      if (spec.rate === 'max') {
        while (inFlight.size < spec.maxInFlight) one();
        await Promise.race(inFlight);
      } else {
        const due = offeredBy(performance.now());
        while (submitted < due && inFlight.size < spec.maxInFlight) one();
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await Promise.all(inFlight);
    const drainBy = performance.now() + spec.drainTimeoutMs;
    for (;;) {
      done = await spec.done();
      if (done >= submitted - refused || performance.now() > drainBy) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    clearInterval(progress);
  }
  return { submitted, refused, roundTrips, measuredFrom, peakBacklog, done };
}
