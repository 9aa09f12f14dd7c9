import { describe, expect, it } from '@jest/globals';
import { BackoffPolicy } from '../retry/backoff';
import { COMMAND_STATES, CommandState } from './command-state';
import {
  CommandEvent,
  CommandEventKind,
  CommandSnapshot,
  Outcome,
  RefusalReason,
  Transition,
  transition as sut,
} from './command.transitions';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const pinned = (value: number) => () => value;

/** No jitter, 1 s flat: a retry is always due at NOW + 1 s. */
const FLAT_1S: BackoffPolicy = {
  kind: 'constant',
  baseMs: 1_000,
  maxMs: 60_000,
  jitter: false,
};

function snapshot(state: CommandState, overrides: Partial<CommandSnapshot> = {}): CommandSnapshot {
  return {
    state,
    attempt: 2,
    maxAttempts: 3,
    mode: 'async',
    backoff: FLAT_1S,
    ...overrides,
  };
}

/** One event of each kind; agent reports carry `attempt` (the fence). */
function event(kind: CommandEventKind, attempt = 2, retryable = true): CommandEvent {
  switch (kind) {
    case 'due':
      return { kind };
    case 'claim':
      return { kind, agentId: 'agent-a' };
    case 'accept':
    case 'ack-timeout':
    case 'heartbeat-lost':
    case 'release':
      return { kind, attempt };
    case 'succeed':
      return { kind, attempt, result: { ok: true } };
    case 'fail':
      return {
        kind,
        attempt,
        error: { message: 'boom', code: 'agent_error' },
        retryable,
      };
    case 'cancel':
      return { kind, reason: 'operator' };
    case 'expire':
      return { kind };
  }
}

const EVENT_KINDS: readonly CommandEventKind[] = [
  'due',
  'claim',
  'accept',
  'succeed',
  'fail',
  'ack-timeout',
  'heartbeat-lost',
  'release',
  'cancel',
  'expire',
];

type Expected =
  | {
      kind: 'apply';
      to: CommandState;
      attempt: number;
      expectedAttempt: number;
      deadLetter?: string;
    }
  | { kind: 'refuse'; reason: RefusalReason }
  | { kind: 'noop' };

// Shorthands for the matrix. Every snapshot is on attempt 2 of 3, async, so a
// retryable failure goes back to `queued`.
const to = (state: CommandState, deadLetter?: string): Expected => ({
  kind: 'apply',
  to: state,
  attempt: 2,
  expectedAttempt: 2,
  ...(deadLetter ? { deadLetter } : {}),
});
const NA: Expected = { kind: 'refuse', reason: 'not-allowed' };
const TERMINAL: Expected = { kind: 'refuse', reason: 'terminal' };
const NOOP: Expected = { kind: 'noop' };

/**
 * The whole lifecycle, written out by hand: state × event → outcome.
 * docs/state-machines.md draws the same `apply` cells.
 */
const MATRIX: Record<CommandState, Record<CommandEventKind, Expected>> = {
  scheduled: {
    due: to('queued'),
    claim: NA,
    accept: NA,
    succeed: NA,
    fail: NA,
    'ack-timeout': NA,
    'heartbeat-lost': NA,
    release: NA,
    cancel: to('cancelled'),
    expire: to('expired', 'expired'),
  },
  queued: {
    due: NA,
    claim: { kind: 'apply', to: 'dispatched', attempt: 3, expectedAttempt: 2 },
    accept: NA,
    succeed: NA,
    fail: NA,
    'ack-timeout': NA,
    'heartbeat-lost': NA,
    release: NA,
    cancel: to('cancelled'),
    expire: to('expired', 'expired'),
  },
  dispatched: {
    due: NA,
    claim: NA,
    accept: to('running'),
    succeed: to('succeeded'),
    fail: to('queued'),
    'ack-timeout': to('queued'),
    'heartbeat-lost': NA,
    release: to('queued'),
    cancel: to('cancelled'),
    expire: to('expired', 'expired'),
  },
  running: {
    due: NA,
    claim: NA,
    accept: NA,
    succeed: to('succeeded'),
    fail: to('queued'),
    'ack-timeout': NA,
    'heartbeat-lost': to('queued'),
    release: to('queued'),
    cancel: to('cancelled'),
    expire: to('expired', 'expired'),
  },
  succeeded: {
    due: TERMINAL,
    claim: TERMINAL,
    accept: TERMINAL,
    succeed: NOOP,
    fail: TERMINAL,
    'ack-timeout': TERMINAL,
    'heartbeat-lost': TERMINAL,
    release: TERMINAL,
    cancel: TERMINAL,
    expire: TERMINAL,
  },
  failed: {
    due: TERMINAL,
    claim: TERMINAL,
    accept: TERMINAL,
    succeed: TERMINAL,
    fail: NOOP,
    'ack-timeout': TERMINAL,
    'heartbeat-lost': TERMINAL,
    release: TERMINAL,
    cancel: TERMINAL,
    expire: TERMINAL,
  },
  cancelled: {
    due: TERMINAL,
    claim: TERMINAL,
    accept: TERMINAL,
    succeed: TERMINAL,
    fail: TERMINAL,
    'ack-timeout': TERMINAL,
    'heartbeat-lost': TERMINAL,
    release: TERMINAL,
    cancel: NOOP,
    expire: TERMINAL,
  },
  expired: {
    due: TERMINAL,
    claim: TERMINAL,
    accept: TERMINAL,
    succeed: TERMINAL,
    fail: TERMINAL,
    'ack-timeout': TERMINAL,
    'heartbeat-lost': TERMINAL,
    release: TERMINAL,
    cancel: TERMINAL,
    expire: NOOP,
  },
  // No event restates `stuck`: the ticker only reports a lost heartbeat for a
  // `running` row, so even a repeated heartbeat-lost is a refusal.
  stuck: {
    due: TERMINAL,
    claim: TERMINAL,
    accept: TERMINAL,
    succeed: TERMINAL,
    fail: TERMINAL,
    'ack-timeout': TERMINAL,
    'heartbeat-lost': TERMINAL,
    release: TERMINAL,
    cancel: TERMINAL,
    expire: TERMINAL,
  },
};

/** The fields of an outcome the matrix pins down (patches are tested below). */
function summarize(outcome: Outcome): Expected & { from?: CommandState } {
  switch (outcome.kind) {
    case 'apply':
      return {
        kind: 'apply',
        from: outcome.from,
        to: outcome.to,
        attempt: outcome.attempt,
        expectedAttempt: outcome.expectedAttempt,
        ...(outcome.deadLetter !== undefined ? { deadLetter: outcome.deadLetter } : {}),
      };
    case 'refuse':
      return { kind: 'refuse', reason: outcome.reason };
    case 'noop':
      return { kind: 'noop' };
  }
}

function applied(outcome: Outcome): Transition {
  if (outcome.kind !== 'apply') throw new Error(`expected an applied transition, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe(sut.name, () => {
  describe('state × event matrix', () => {
    const cases = COMMAND_STATES.flatMap((state) =>
      EVENT_KINDS.map((kind) => {
        const expected = MATRIX[state][kind];
        const label =
          expected.kind === 'apply'
            ? `apply → ${expected.to}${expected.deadLetter ? ' (dead letter)' : ''}`
            : expected.kind === 'refuse'
              ? `refuse (${expected.reason})`
              : 'noop';
        return { state, kind, expected, label };
      }),
    );

    it('covers all 9 states × 10 event kinds', () => {
      expect(COMMAND_STATES).toHaveLength(9);
      expect(new Set(cases.map((c) => `${c.state}/${c.kind}`)).size).toBe(90);
    });

    it.each(cases)('$state + $kind → $label', ({ state, kind, expected }) => {
      const outcome = sut(snapshot(state), event(kind), NOW, pinned(0.5));

      expect(summarize(outcome)).toEqual(expected.kind === 'apply' ? { ...expected, from: state } : expected);
      if (outcome.kind === 'refuse') expect(outcome.detail).toEqual(expect.stringContaining(kind));
    });
  });

  describe('attempt fencing', () => {
    // Each agent report, sent from a state where it would otherwise apply.
    const reports: { kind: CommandEventKind; state: CommandState }[] = [
      { kind: 'accept', state: 'dispatched' },
      { kind: 'succeed', state: 'dispatched' },
      { kind: 'succeed', state: 'running' },
      { kind: 'fail', state: 'dispatched' },
      { kind: 'fail', state: 'running' },
      { kind: 'ack-timeout', state: 'dispatched' },
      { kind: 'heartbeat-lost', state: 'running' },
      { kind: 'release', state: 'dispatched' },
      { kind: 'release', state: 'running' },
    ];
    const cases = reports.flatMap((r) => [
      { ...r, reportAttempt: 1, label: 'earlier' },
      { ...r, reportAttempt: 3, label: 'later' },
      { ...r, reportAttempt: 0, label: 'zero' },
    ]);

    it.each(cases)(
      '$kind from $state for an $label attempt ($reportAttempt, command on 2) is stale',
      ({ kind, state, reportAttempt }) => {
        const outcome = sut(snapshot(state), event(kind, reportAttempt), NOW);

        expect(outcome).toEqual({
          kind: 'refuse',
          reason: 'stale-attempt',
          detail: `report for attempt ${reportAttempt}, command is on attempt 2`,
        });
      },
    );

    // A late report from an earlier attempt must not be mistaken for a replay
    // of the outcome the current attempt reached.
    const terminalCases: { state: CommandState; kind: CommandEventKind }[] = [
      { state: 'succeeded', kind: 'succeed' },
      { state: 'failed', kind: 'fail' },
      { state: 'succeeded', kind: 'fail' },
      { state: 'failed', kind: 'succeed' },
      { state: 'stuck', kind: 'heartbeat-lost' },
    ];
    it.each(terminalCases)('$kind for an earlier attempt on a $state command is stale', ({ state, kind }) => {
      expect(sut(snapshot(state), event(kind, 1), NOW)).toMatchObject({
        kind: 'refuse',
        reason: 'stale-attempt',
      });
    });

    const unfenced: CommandEventKind[] = ['due', 'claim', 'cancel', 'expire'];
    it.each(unfenced)('%s carries no attempt and is never stale', (kind) => {
      const state: CommandState = kind === 'due' ? 'scheduled' : 'queued';

      expect(sut(snapshot(state, { attempt: 7 }), event(kind), NOW).kind).toBe('apply');
    });

    it('every applied edge names the attempt the row must hold', () => {
      const outcome = applied(sut(snapshot('running', { attempt: 5, maxAttempts: 9 }), event('succeed', 5), NOW));

      expect(outcome).toMatchObject({
        from: 'running',
        expectedAttempt: 5,
        attempt: 5,
      });
    });
  });

  describe('terminal replay and conflict', () => {
    const cases: {
      state: CommandState;
      kind: CommandEventKind;
      expected: Expected;
    }[] = [
      { state: 'succeeded', kind: 'succeed', expected: NOOP },
      { state: 'failed', kind: 'fail', expected: NOOP },
      { state: 'cancelled', kind: 'cancel', expected: NOOP },
      { state: 'expired', kind: 'expire', expected: NOOP },
      { state: 'succeeded', kind: 'fail', expected: TERMINAL },
      { state: 'failed', kind: 'succeed', expected: TERMINAL },
      { state: 'cancelled', kind: 'succeed', expected: TERMINAL },
      { state: 'expired', kind: 'fail', expected: TERMINAL },
      { state: 'stuck', kind: 'succeed', expected: TERMINAL },
      { state: 'succeeded', kind: 'cancel', expected: TERMINAL },
      { state: 'cancelled', kind: 'expire', expected: TERMINAL },
      { state: 'expired', kind: 'cancel', expected: TERMINAL },
    ];

    it.each(cases)('$kind on a $state command → $expected.kind', ({ state, kind, expected }) => {
      const outcome = sut(snapshot(state), event(kind), NOW);

      expect(outcome).toEqual(
        expected.kind === 'refuse'
          ? {
              kind: 'refuse',
              reason: 'terminal',
              detail: `command is ${state}; ${kind} cannot change it`,
            }
          : { kind: 'noop' },
      );
    });

    it('a non-retryable fail replayed on a failed command is also a noop', () => {
      expect(sut(snapshot('failed'), event('fail', 2, false), NOW)).toEqual({
        kind: 'noop',
      });
    });
  });

  describe('retry or final failure', () => {
    type Case = {
      name: string;
      kind: 'fail' | 'ack-timeout' | 'heartbeat-lost';
      state: CommandState;
      attempt: number;
      maxAttempts: number;
      mode: 'async' | 'sync';
      retryable: boolean;
      to: CommandState;
      deadLetter?: string;
    };
    // prettier-ignore
    const cases: Case[] = [
      // fail, from running and from dispatched
      { name: 'attempt 1 of 3', kind: 'fail', state: 'running', attempt: 1, maxAttempts: 3, mode: 'async', retryable: true, to: 'queued' },
      { name: 'attempt 2 of 3', kind: 'fail', state: 'running', attempt: 2, maxAttempts: 3, mode: 'async', retryable: true, to: 'queued' },
      { name: 'attempt 3 of 3 (last)', kind: 'fail', state: 'running', attempt: 3, maxAttempts: 3, mode: 'async', retryable: true, to: 'failed', deadLetter: 'agent_error' },
      { name: 'attempt 4 of 3 (over budget)', kind: 'fail', state: 'running', attempt: 4, maxAttempts: 3, mode: 'async', retryable: true, to: 'failed', deadLetter: 'agent_error' },
      { name: 'single attempt', kind: 'fail', state: 'running', attempt: 1, maxAttempts: 1, mode: 'async', retryable: true, to: 'failed', deadLetter: 'agent_error' },
      { name: 'not retryable', kind: 'fail', state: 'running', attempt: 1, maxAttempts: 3, mode: 'async', retryable: false, to: 'failed', deadLetter: 'agent_error' },
      { name: 'sync', kind: 'fail', state: 'running', attempt: 1, maxAttempts: 3, mode: 'sync', retryable: true, to: 'failed', deadLetter: 'agent_error' },
      { name: 'before accept, attempt 1 of 3', kind: 'fail', state: 'dispatched', attempt: 1, maxAttempts: 3, mode: 'async', retryable: true, to: 'queued' },
      { name: 'before accept, last attempt', kind: 'fail', state: 'dispatched', attempt: 3, maxAttempts: 3, mode: 'async', retryable: true, to: 'failed', deadLetter: 'agent_error' },
      // ack-timeout: always retryable, final state failed
      { name: 'attempt 2 of 3', kind: 'ack-timeout', state: 'dispatched', attempt: 2, maxAttempts: 3, mode: 'async', retryable: true, to: 'queued' },
      { name: 'attempt 3 of 3 (last)', kind: 'ack-timeout', state: 'dispatched', attempt: 3, maxAttempts: 3, mode: 'async', retryable: true, to: 'failed', deadLetter: 'ack_timeout' },
      { name: 'sync', kind: 'ack-timeout', state: 'dispatched', attempt: 1, maxAttempts: 3, mode: 'sync', retryable: true, to: 'failed', deadLetter: 'ack_timeout' },
      // heartbeat-lost: always retryable, final state stuck
      { name: 'attempt 2 of 3', kind: 'heartbeat-lost', state: 'running', attempt: 2, maxAttempts: 3, mode: 'async', retryable: true, to: 'queued' },
      { name: 'attempt 3 of 3 (last)', kind: 'heartbeat-lost', state: 'running', attempt: 3, maxAttempts: 3, mode: 'async', retryable: true, to: 'stuck', deadLetter: 'heartbeat_lost' },
      { name: 'sync', kind: 'heartbeat-lost', state: 'running', attempt: 1, maxAttempts: 3, mode: 'sync', retryable: true, to: 'stuck', deadLetter: 'heartbeat_lost' },
    ];

    it.each(cases)(
      '$kind, $name, $mode → $to',
      ({ kind, state, attempt, maxAttempts, mode, retryable, to: target, deadLetter }) => {
        const from = snapshot(state, { attempt, maxAttempts, mode });
        const outcome = applied(sut(from, event(kind, attempt, retryable), NOW, pinned(0)));

        expect(outcome.to).toBe(target);
        expect(outcome.attempt).toBe(attempt);
        expect(outcome.expectedAttempt).toBe(attempt);
        expect(outcome.deadLetter).toBe(deadLetter);
        expect(outcome.patch.error?.code).toBe(kind === 'fail' ? 'agent_error' : kind.replace('-', '_'));
        if (target === 'queued') {
          expect(outcome.patch).toMatchObject({
            assignedAgent: null,
            availableAt: at(1_000),
          });
          expect(outcome.patch.finishedAt).toBeUndefined();
        } else {
          expect(outcome.patch.finishedAt).toEqual(NOW);
          expect(outcome.patch.availableAt).toBeUndefined();
        }
      },
    );

    it('a final failure without an error code dead-letters as "failed"', () => {
      const from = snapshot('running', { attempt: 3 });
      const outcome = applied(
        sut(
          from,
          {
            kind: 'fail',
            attempt: 3,
            error: { message: 'no code' },
            retryable: true,
          },
          NOW,
        ),
      );

      expect(outcome).toMatchObject({
        to: 'failed',
        deadLetter: 'failed',
        patch: { error: { message: 'no code' } },
      });
    });

    it('keeps the agent-reported error on a retry', () => {
      const error = { message: 'disk full', code: 'enospc', retryable: true };
      const outcome = applied(
        sut(snapshot('running', { attempt: 1 }), { kind: 'fail', attempt: 1, error, retryable: true }, NOW),
      );

      expect(outcome.patch.error).toEqual(error);
    });
  });

  describe('retry availableAt = now + backoff (random pinned)', () => {
    const exponential: BackoffPolicy = {
      kind: 'exponential',
      baseMs: 1_000,
      maxMs: 60_000,
      jitter: true,
    };
    const cases = [
      {
        kind: 'fail' as const,
        state: 'running' as const,
        attempt: 1,
        random: 0.5,
        delayMs: 500,
      },
      {
        kind: 'fail' as const,
        state: 'running' as const,
        attempt: 2,
        random: 0.5,
        delayMs: 1_000,
      },
      {
        kind: 'fail' as const,
        state: 'dispatched' as const,
        attempt: 3,
        random: 0.25,
        delayMs: 1_000,
      },
      {
        kind: 'ack-timeout' as const,
        state: 'dispatched' as const,
        attempt: 4,
        random: 0.5,
        delayMs: 4_000,
      },
      {
        kind: 'heartbeat-lost' as const,
        state: 'running' as const,
        attempt: 8,
        random: 0.5,
        delayMs: 30_000,
      },
      {
        kind: 'heartbeat-lost' as const,
        state: 'running' as const,
        attempt: 2,
        random: 0,
        delayMs: 0,
      },
    ];

    it.each(cases)(
      '$kind on attempt $attempt with random $random → now + $delayMs ms',
      ({ kind, state, attempt, random, delayMs }) => {
        const from = snapshot(state, {
          attempt,
          maxAttempts: 10,
          backoff: exponential,
        });
        const outcome = applied(sut(from, event(kind, attempt), NOW, pinned(random)));

        expect(outcome.to).toBe('queued');
        expect(outcome.patch.availableAt).toEqual(at(delayMs));
      },
    );

    it('does not consult the random source for a final failure', () => {
      const random = () => {
        throw new Error('random must not be drawn');
      };
      const from = snapshot('running', {
        attempt: 3,
        maxAttempts: 3,
        backoff: exponential,
      });

      expect(applied(sut(from, event('fail', 3), NOW, random)).to).toBe('failed');
    });
  });

  describe('claim', () => {
    const cases = [
      { attempt: 0, agentId: 'agent-a', next: 1 },
      { attempt: 1, agentId: 'agent-b', next: 2 },
      { attempt: 9, agentId: 'pool-member-7', next: 10 },
    ];

    it.each(cases)('from attempt $attempt → attempt $next, assigned to $agentId', ({ attempt, agentId, next }) => {
      const outcome = sut(snapshot('queued', { attempt }), { kind: 'claim', agentId }, NOW);

      expect(outcome).toEqual({
        kind: 'apply',
        from: 'queued',
        to: 'dispatched',
        expectedAttempt: attempt,
        attempt: next,
        patch: {
          assignedAgent: agentId,
          dispatchedAt: NOW,
          lastHeartbeatAt: NOW,
        },
      });
    });
  });

  describe('release', () => {
    const cases: {
      state: CommandState;
      attempt: number;
      maxAttempts: number;
    }[] = [
      { state: 'dispatched', attempt: 1, maxAttempts: 3 },
      { state: 'running', attempt: 3, maxAttempts: 3 },
      { state: 'running', attempt: 1, maxAttempts: 1 },
    ];

    it.each(cases)(
      'from $state on attempt $attempt of $maxAttempts → queued now, budget + 1',
      ({ state, attempt, maxAttempts }) => {
        const outcome = sut(snapshot(state, { attempt, maxAttempts }), event('release', attempt), NOW);

        expect(outcome).toEqual({
          kind: 'apply',
          from: state,
          to: 'queued',
          expectedAttempt: attempt,
          attempt,
          patch: {
            assignedAgent: null,
            availableAt: NOW,
            maxAttempts: maxAttempts + 1,
          },
        });
      },
    );

    it('does not consume an attempt: after a release the budget still holds the same number of real tries', () => {
      // Attempt 1 of 2 is handed back; attempts 2 and 3 are the two real tries.
      const released = applied(sut(snapshot('running', { attempt: 1, maxAttempts: 2 }), event('release', 1), NOW));
      const requeued = snapshot('queued', {
        attempt: released.attempt,
        maxAttempts: released.patch.maxAttempts!,
      });
      const claimed = applied(sut(requeued, { kind: 'claim', agentId: 'agent-b' }, NOW));
      const second = snapshot('running', {
        attempt: claimed.attempt,
        maxAttempts: requeued.maxAttempts,
      });
      const third = snapshot('running', {
        attempt: 3,
        maxAttempts: requeued.maxAttempts,
      });

      expect(second).toMatchObject({ attempt: 2, maxAttempts: 3 });
      expect(applied(sut(second, event('fail', 2), NOW)).to).toBe('queued');
      expect(applied(sut(third, event('fail', 3), NOW))).toMatchObject({
        to: 'failed',
        deadLetter: 'agent_error',
      });
    });
  });

  describe('patches of the other edges', () => {
    const cases: {
      name: string;
      state: CommandState;
      kind: CommandEventKind;
      patch: object;
    }[] = [
      {
        name: 'due opens the command now',
        state: 'scheduled',
        kind: 'due',
        patch: { availableAt: NOW },
      },
      {
        name: 'accept stamps acceptance and a heartbeat',
        state: 'dispatched',
        kind: 'accept',
        patch: { acceptedAt: NOW, lastHeartbeatAt: NOW },
      },
      {
        name: 'succeed from running keeps the result',
        state: 'running',
        kind: 'succeed',
        patch: { result: { ok: true }, finishedAt: NOW },
      },
      {
        name: 'succeed from dispatched also stamps acceptance',
        state: 'dispatched',
        kind: 'succeed',
        patch: { result: { ok: true }, finishedAt: NOW, acceptedAt: NOW },
      },
      {
        name: 'cancel records the reason',
        state: 'running',
        kind: 'cancel',
        patch: {
          finishedAt: NOW,
          error: { message: 'operator', code: 'cancelled' },
        },
      },
      {
        name: 'expire records the deadline',
        state: 'queued',
        kind: 'expire',
        patch: {
          finishedAt: NOW,
          error: { message: 'deadline passed', code: 'expired' },
        },
      },
    ];

    it.each(cases)('$name', ({ state, kind, patch }) => {
      expect(applied(sut(snapshot(state), event(kind), NOW)).patch).toEqual(patch);
    });
  });

  it('cancel with a code records that code (a sync command the dispatcher could not route)', () => {
    const outcome = applied(sut(snapshot('queued'), { kind: 'cancel', reason: 'no agent', code: 'no_agent' }, NOW));
    expect(outcome).toMatchObject({ to: 'cancelled', patch: { error: { message: 'no agent', code: 'no_agent' } } });
  });

  it('does not mutate the snapshot', () => {
    const from = snapshot('running');
    const copy = structuredClone(from);

    sut(from, event('release'), NOW);
    sut(from, event('fail'), NOW, pinned(0.5));

    expect(from).toEqual(copy);
  });
});

describe('dead-letter reason', () => {
  it('falls back to the final state when the error code is empty', () => {
    const outcome = sut(
      {
        state: 'running',
        attempt: 3,
        maxAttempts: 3,
        mode: 'async',
        backoff: { kind: 'constant', baseMs: 1, maxMs: 1, jitter: false },
      },
      { kind: 'fail', attempt: 3, retryable: true, error: { message: 'x', code: '' } },
      new Date(0),
    );
    expect(outcome).toMatchObject({ kind: 'apply', to: 'failed', deadLetter: 'failed' });
  });
});

describe('dead-letter handlers never dead-letter', () => {
  const handler = (state: CommandState, attempt = 1) =>
    snapshot(state, { attempt, maxAttempts: 1, handlesDeadLetter: true });
  const cases: { name: string; from: CommandSnapshot; event: CommandEvent; to: CommandState; reason: string }[] = [
    {
      name: 'final fail',
      from: handler('running'),
      event: { kind: 'fail', attempt: 1, retryable: true, error: { message: 'boom', code: 'boom' } },
      to: 'failed',
      reason: 'boom',
    },
    {
      name: 'ack timeout',
      from: handler('dispatched'),
      event: { kind: 'ack-timeout', attempt: 1 },
      to: 'failed',
      reason: 'ack_timeout',
    },
    {
      name: 'heartbeat lost',
      from: handler('running'),
      event: { kind: 'heartbeat-lost', attempt: 1 },
      to: 'stuck',
      reason: 'heartbeat_lost',
    },
    { name: 'deadline', from: handler('queued', 0), event: { kind: 'expire' }, to: 'expired', reason: 'expired' },
  ];

  it.each(cases)('$name: the handled dead letter is annotated ($reason), no dead letter is written', (c) => {
    const outcome = sut(c.from, c.event, NOW, pinned(0));
    expect(outcome).toMatchObject({ kind: 'apply', to: c.to, handlerFailed: c.reason });
    expect(outcome).not.toHaveProperty('deadLetter');
  });

  it('a handler that succeeds or is cancelled annotates nothing', () => {
    const succeeded = sut(handler('running'), { kind: 'succeed', attempt: 1, result: null }, NOW);
    const cancelled = sut(handler('queued', 0), { kind: 'cancel', reason: 'no' }, NOW);
    for (const outcome of [succeeded, cancelled]) {
      expect(outcome).toMatchObject({ kind: 'apply' });
      expect(outcome).not.toHaveProperty('handlerFailed');
      expect(outcome).not.toHaveProperty('deadLetter');
    }
  });

  it('an ordinary command that fails for good still writes its dead letter', () => {
    const outcome = sut(
      snapshot('running', { attempt: 1, maxAttempts: 1 }),
      { kind: 'fail', attempt: 1, retryable: true, error: { message: 'boom', code: 'boom' } },
      NOW,
    );
    expect(outcome).toMatchObject({ kind: 'apply', to: 'failed', deadLetter: 'boom' });
    expect(outcome).not.toHaveProperty('handlerFailed');
  });
});
