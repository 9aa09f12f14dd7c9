import { isTerminal } from '@switchyard/domain';
import type { LifecycleMeta, PublishListener, TransitionRecord } from '@switchyard/messaging';
import {
  acceptLatency,
  commandsDeadLettered,
  commandsFinished,
  commandsPublished,
  dispatchLatency,
  terminalLatency,
} from './metric-catalog';

/** Terminal states that write a dead letter (the transition table's `deadLetter`: every end but success and cancel). */
const DEAD_LETTER_STATES = new Set(['failed', 'stuck', 'expired']);

/** Agent reports that, taken from `dispatched`, stand for the acceptance too (an agent that finished at once). */
const IMPLYING_ACCEPTANCE = new Set(['succeed', 'fail']);

/** What one committed transition adds to the command metrics. Pure; `observe` applies it. */
export interface TransitionObservation {
  dispatchSeconds?: number;
  acceptSeconds?: number;
  finished?: { state: string; seconds?: number };
  deadLetter?: string;
}

/**
 * Latencies start when the command became due: its submission, or its
 * `runAt` for a scheduled one. Dispatch and accept count first attempts only,
 * so retries (which wait out their backoff) do not blur them. An outcome
 * reported straight from `dispatched` counts as the acceptance as well.
 */
export function observationOf(record: TransitionRecord, meta: LifecycleMeta): TransitionObservation {
  const due = dueAt(record);
  const since = due && Math.max(0, (meta.at.getTime() - due.getTime()) / 1000);
  const first = record.attempt === 1;
  const out: TransitionObservation = {};
  if (meta.event === 'claim' && first && since !== undefined) out.dispatchSeconds = since;
  const accepted = meta.event === 'accept' || (IMPLYING_ACCEPTANCE.has(meta.event) && meta.from === 'dispatched');
  if (accepted && first && since !== undefined) out.acceptSeconds = since;
  if (isTerminal(record.state) && meta.from !== record.state) {
    out.finished = { state: record.state, ...(since !== undefined ? { seconds: since } : {}) };
    // Labelled by state, not by the error code: codes are chosen by agents, unbounded as label values.
    if (DEAD_LETTER_STATES.has(record.state)) out.deadLetter = record.state;
  }
  return out;
}

function dueAt(record: TransitionRecord): Date | undefined {
  if (!record.created_at) return undefined;
  return record.run_at && record.run_at > record.created_at ? record.run_at : record.created_at;
}

function observe(o: TransitionObservation): void {
  if (o.dispatchSeconds !== undefined) dispatchLatency.observe(o.dispatchSeconds);
  if (o.acceptSeconds !== undefined) acceptLatency.observe(o.acceptSeconds);
  if (o.finished) {
    commandsFinished.inc({ state: o.finished.state });
    if (o.finished.seconds !== undefined) terminalLatency.observe({ state: o.finished.state }, o.finished.seconds);
  }
  if (o.deadLetter) commandsDeadLettered.inc({ state: o.deadLetter });
}

/**
 * Counts what the command publisher sends: every committed transition is
 * announced through it exactly once (by whichever service applied it), and
 * every offer of a queued command is published through it.
 */
export const commandMetricsListener: PublishListener = {
  queued: (rows) => commandsPublished.inc(rows.length),
  lifecycle: (records, meta) => {
    for (const r of records) observe(observationOf(r, meta));
  },
};
