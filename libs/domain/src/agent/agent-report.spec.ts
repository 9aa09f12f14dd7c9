import { describe, expect, it } from '@jest/globals';
import type { CommandState } from '../command/command-state';
import type { CommandSnapshot } from '../command/command.transitions';
import { type AgentReportBody, judgeAgentReport as sut, reportEvent, type ReportVerdict } from './agent-report';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const LIMIT = 64;

function command(state: CommandState, attempt = 2): CommandSnapshot {
  return {
    state,
    attempt,
    maxAttempts: 3,
    mode: 'async',
    backoff: { kind: 'constant', baseMs: 1_000, maxMs: 1_000, jitter: false },
  };
}

const accept = (attempt = 2): AgentReportBody => ({ kind: 'accepted', attempt });
const beat = (attempt = 2): AgentReportBody => ({ kind: 'heartbeat', attempt });
const progress = (attempt = 2): AgentReportBody => ({ kind: 'progress', attempt, progress: { pct: 50 } });
const succeed = (attempt = 2, result: unknown = { ok: true }): AgentReportBody => ({
  kind: 'succeeded',
  attempt,
  result,
});
const fail = (attempt = 2): AgentReportBody => ({
  kind: 'failed',
  attempt,
  error: { message: 'boom' },
  retryable: true,
});
const release = (attempt = 2): AgentReportBody => ({ kind: 'released', attempt });

const store: ReportVerdict = { kind: 'store' };
const replay: ReportVerdict = { kind: 'replay' };
const conflict = (reason: string) => expect.objectContaining({ kind: 'conflict', reason });

describe(sut.name, () => {
  it.each<[string, CommandSnapshot | undefined, boolean, AgentReportBody, unknown]>([
    // Who may report at all.
    ['unknown command', undefined, false, accept(), { kind: 'not-found' }],
    ['attempt never dispatched to this agent', command('dispatched'), false, accept(), { kind: 'not-yours' }],
    ['not this agent, even for a stale attempt', command('running'), false, succeed(1), { kind: 'not-yours' }],
    // accept
    ['accept of the attempt dispatched', command('dispatched'), true, accept(), store],
    ['accept again once running', command('running'), true, accept(), replay],
    ['accept of an earlier attempt', command('dispatched'), true, accept(1), conflict('stale-attempt')],
    ['accept after a cancel', command('cancelled'), true, accept(), conflict('terminal')],
    ['accept after the ack timeout requeued it', command('queued'), true, accept(), conflict('not-allowed')],
    // heartbeat and progress
    ['heartbeat while running', command('running'), true, beat(), store],
    ['heartbeat before the accept is applied', command('dispatched'), true, beat(), store],
    ['progress while running', command('running'), true, progress(), store],
    ['heartbeat of an earlier attempt', command('running'), true, beat(1), conflict('stale-attempt')],
    ['heartbeat after a cancel', command('cancelled'), true, beat(), conflict('terminal')],
    ['heartbeat after the deadline', command('expired'), true, progress(), conflict('terminal')],
    ['heartbeat once requeued', command('queued'), true, beat(), conflict('not-allowed')],
    // outcomes
    ['result while running', command('running'), true, succeed(), store],
    ['result before the accept is applied', command('dispatched'), true, succeed(), store],
    ['the same result again', command('succeeded'), true, succeed(), replay],
    ['a result after failing', command('failed'), true, succeed(), conflict('terminal')],
    ['result of an earlier attempt', command('running'), true, succeed(1), conflict('stale-attempt')],
    ['failure while running', command('running'), true, fail(), store],
    ['failure after a cancel', command('cancelled'), true, fail(), conflict('terminal')],
    ['release while running', command('running'), true, release(), store],
    ['release of an earlier attempt', command('running'), true, release(1), conflict('stale-attempt')],
  ])('%s', (_, snapshot, held, report, expected) => {
    expect(sut(snapshot, held, report, LIMIT, NOW)).toEqual(expected);
  });
});

describe(reportEvent.name, () => {
  it.each<[string, AgentReportBody, unknown]>([
    ['accepted', accept(), { kind: 'accept', attempt: 2 }],
    ['heartbeat asks for no transition', beat(), undefined],
    ['progress asks for no transition', progress(), undefined],
    ['succeeded', succeed(2, { ok: true }), { kind: 'succeed', attempt: 2, result: { ok: true } }],
    [
      'succeeded with no result',
      { kind: 'succeeded', attempt: 2, result: undefined },
      { kind: 'succeed', attempt: 2, result: null },
    ],
    [
      'a result over the limit fails for good',
      succeed(2, 'x'.repeat(LIMIT)),
      {
        kind: 'fail',
        attempt: 2,
        retryable: false,
        error: { message: `result exceeds ${LIMIT} bytes`, code: 'result_too_large' },
      },
    ],
    ['failed', fail(), { kind: 'fail', attempt: 2, retryable: true, error: { message: 'boom' } }],
    ['released', release(), { kind: 'release', attempt: 2 }],
  ])('%s', (_, report, expected) => {
    expect(reportEvent(report, LIMIT)).toEqual(expected);
  });
});
