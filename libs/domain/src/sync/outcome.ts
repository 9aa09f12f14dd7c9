import type { CommandError } from '../command/command.transitions';
import { CommandState, isTerminal } from '../command/command-state';
import type { RoutingDecision } from '../routing/pool-selection';

/**
 * What a sync caller is told, for a command row as it stands. The HTTP and
 * NATS request/reply edges both read this one mapping (docs/sync.md):
 *
 *   succeeded                                        → 200 with the result
 *   failed, reported by the agent                    → 422 with the error
 *   cancelled because no agent / every agent is busy → 503, retry after a while
 *   not finished when the caller's timeout passed    → 504 (the command keeps running)
 *   failed with a result over the size limit         → 507
 *   anything else (expired, stuck, cancelled, ack timeout) → 500
 */
export type SyncOutcome =
  | { kind: 'succeeded'; status: 200 }
  | { kind: 'failed'; status: 422 }
  | { kind: 'unavailable'; status: 503; reason: SyncUnavailableReason; retryAfterSeconds: number }
  | { kind: 'timeout'; status: 504 }
  | { kind: 'result-too-large'; status: 507 }
  | { kind: 'ended'; status: 500 };

/** Still running and the caller has time left: keep waiting. */
export interface SyncPending {
  kind: 'pending';
}

export type SyncUnavailableReason = 'no-agent' | 'saturated';

/**
 * Error codes of a sync command the dispatcher ended instead of parking or
 * postponing it, so that it never runs after its caller was told 503.
 */
export const SYNC_UNAVAILABLE_CODES: Record<SyncUnavailableReason, string> = {
  'no-agent': 'no_agent',
  saturated: 'saturated',
};

/**
 * Retry-After per reason: a saturated agent frees a slot within moments; a
 * missing one has to (re)connect, which takes longer.
 */
export const SYNC_RETRY_AFTER_SECONDS: Record<SyncUnavailableReason, number> = {
  'no-agent': 5,
  saturated: 1,
};

/** Failure codes the system writes itself (not an agent's report). */
const RESULT_TOO_LARGE = 'result_too_large';
const SYSTEM_FAILURE_CODES: ReadonlySet<string> = new Set(['ack_timeout', RESULT_TOO_LARGE]);

export interface SyncView {
  state: CommandState;
  error: CommandError | null;
}

export function syncOutcome(row: SyncView, { timedOut }: { timedOut: boolean }): SyncOutcome | SyncPending {
  if (!isTerminal(row.state)) return timedOut ? { kind: 'timeout', status: 504 } : { kind: 'pending' };
  switch (row.state) {
    case 'succeeded':
      return { kind: 'succeeded', status: 200 };
    case 'failed': {
      const code = row.error?.code ?? '';
      if (code === RESULT_TOO_LARGE) return { kind: 'result-too-large', status: 507 };
      return SYSTEM_FAILURE_CODES.has(code) ? { kind: 'ended', status: 500 } : { kind: 'failed', status: 422 };
    }
    case 'cancelled': {
      const reason = unavailableReasonOf(row.error?.code);
      return reason ? unavailable(reason) : { kind: 'ended', status: 500 };
    }
    case 'expired':
    case 'stuck':
    case 'scheduled':
    case 'queued':
    case 'dispatched':
    case 'running':
      return { kind: 'ended', status: 500 };
  }
}

/**
 * The answer before any row exists, from the routing of the one command
 * against the live agents: undefined when an agent can take it now.
 */
export function syncAdmission(decision: RoutingDecision): Extract<SyncOutcome, { kind: 'unavailable' }> | undefined {
  switch (decision.kind) {
    case 'assign':
      return undefined;
    case 'no-agent':
    case 'saturated':
      return unavailable(decision.kind);
  }
}

/**
 * The cancel event that ends a sync command the dispatcher cannot route now.
 * An async command would be parked or postponed instead; a sync caller is
 * answered 503 at once, so the command must never run later.
 */
export function syncRefusal(reason: SyncUnavailableReason): { kind: 'cancel'; reason: string; code: string } {
  return {
    kind: 'cancel',
    reason:
      reason === 'no-agent'
        ? 'no live agent can take this sync command'
        : 'every agent that can take this sync command is at capacity',
    code: SYNC_UNAVAILABLE_CODES[reason],
  };
}

function unavailable(reason: SyncUnavailableReason): Extract<SyncOutcome, { kind: 'unavailable' }> {
  return { kind: 'unavailable', status: 503, reason, retryAfterSeconds: SYNC_RETRY_AFTER_SECONDS[reason] };
}

function unavailableReasonOf(code: string | undefined): SyncUnavailableReason | undefined {
  return (Object.keys(SYNC_UNAVAILABLE_CODES) as SyncUnavailableReason[]).find(
    (r) => SYNC_UNAVAILABLE_CODES[r] === code,
  );
}
