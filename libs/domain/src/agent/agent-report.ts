import type { CommandEvent, CommandError, CommandSnapshot, RefusalReason } from '../command/command.transitions';
import { isTerminal } from '../command/command-state';
import { transition } from '../command/command.transitions';
import { jsonByteLength } from '../text/preview';

/** What an agent says about one attempt, whichever transport it came over. */
export type AgentReportBody =
  | { kind: 'accepted' | 'heartbeat' | 'released'; attempt: number }
  | { kind: 'progress'; attempt: number; progress: unknown }
  | { kind: 'succeeded'; attempt: number; result: unknown }
  | { kind: 'failed'; attempt: number; error: CommandError; retryable: boolean };

/**
 * The ledger event a report asks for. Heartbeats and progress ask for none:
 * they renew the lease of a running attempt. A result over `maxResultBytes`
 * becomes a failure that no retry can fix.
 */
export function reportEvent(report: AgentReportBody, maxResultBytes: number): CommandEvent | undefined {
  switch (report.kind) {
    case 'accepted':
      return { kind: 'accept', attempt: report.attempt };
    case 'succeeded':
      if (jsonByteLength(report.result) > maxResultBytes) {
        return {
          kind: 'fail',
          attempt: report.attempt,
          retryable: false,
          error: { message: `result exceeds ${maxResultBytes} bytes`, code: 'result_too_large' },
        };
      }
      return { kind: 'succeed', attempt: report.attempt, result: report.result ?? null };
    case 'failed':
      return { kind: 'fail', attempt: report.attempt, retryable: report.retryable, error: report.error };
    case 'released':
      return { kind: 'release', attempt: report.attempt };
    case 'heartbeat':
    case 'progress':
      return undefined;
  }
}

/** The gateway's answer to an HTTP agent's report, before it is stored for the dispatcher to apply. */
export type ReportVerdict =
  | { kind: 'store' }
  /** It restates what the ledger already holds: nothing to store, nothing wrong. */
  | { kind: 'replay' }
  | { kind: 'not-found' }
  /** The attempt was never this agent's. */
  | { kind: 'not-yours' }
  | { kind: 'conflict'; reason: RefusalReason; detail: string };

/**
 * Judges a report against the command as the ledger holds it, with the same
 * transition table the dispatcher applies it with: a report the table would
 * refuse is refused now, so the agent learns of it (a stale attempt, a
 * cancelled command). A report that passes can still lose a race with a
 * timeout before the dispatcher applies it; the table refuses it then.
 */
export function judgeAgentReport(
  command: CommandSnapshot | undefined,
  heldByAgent: boolean,
  report: AgentReportBody,
  maxResultBytes: number,
  now: Date,
): ReportVerdict {
  if (!command) return { kind: 'not-found' };
  if (!heldByAgent) return { kind: 'not-yours' };
  const event = reportEvent(report, maxResultBytes);
  if (!event) return judgeLeaseRenewal(command, report.attempt);
  if (event.kind === 'accept' && command.state === 'running' && command.attempt === report.attempt) {
    return { kind: 'replay' };
  }
  const outcome = transition(command, event, now, () => 0);
  switch (outcome.kind) {
    case 'apply':
      return { kind: 'store' };
    case 'noop':
      return { kind: 'replay' };
    case 'refuse':
      return { kind: 'conflict', reason: outcome.reason, detail: outcome.detail };
  }
}

/** A heartbeat or progress counts for the current attempt while it is held (its accept may still be on its way). */
function judgeLeaseRenewal(command: CommandSnapshot, attempt: number): ReportVerdict {
  if (attempt !== command.attempt) {
    return {
      kind: 'conflict',
      reason: 'stale-attempt',
      detail: `report for attempt ${attempt}, command is on attempt ${command.attempt}`,
    };
  }
  if (command.state !== 'dispatched' && command.state !== 'running') {
    const reason = isTerminal(command.state) ? 'terminal' : 'not-allowed';
    return { kind: 'conflict', reason, detail: `command is ${command.state}, not on attempt ${attempt}` };
  }
  return { kind: 'store' };
}
