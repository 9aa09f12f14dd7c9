import { describe, expect, it } from '@jest/globals';
import { COMMAND_STATES, CommandState, isTerminal } from '../command/command-state';
import type { CommandError } from '../command/command.transitions';
import { transition } from '../command/command.transitions';
import { syncAdmission, syncOutcome as sut, syncRefusal, SyncUnavailableReason } from './outcome';

const err = (code?: string): CommandError => ({ message: 'x', ...(code !== undefined ? { code } : {}) });

describe(sut.name, () => {
  type Case = { state: CommandState; error: CommandError | null; timedOut: boolean; expected: object };
  const cases: Case[] = [
    { state: 'succeeded', error: null, timedOut: false, expected: { kind: 'succeeded', status: 200 } },
    { state: 'succeeded', error: null, timedOut: true, expected: { kind: 'succeeded', status: 200 } },
    { state: 'failed', error: err('agent_error'), timedOut: false, expected: { kind: 'failed', status: 422 } },
    { state: 'failed', error: err(), timedOut: false, expected: { kind: 'failed', status: 422 } },
    { state: 'failed', error: null, timedOut: true, expected: { kind: 'failed', status: 422 } },
    {
      state: 'failed',
      error: err('result_too_large'),
      timedOut: false,
      expected: { kind: 'result-too-large', status: 507 },
    },
    { state: 'failed', error: err('ack_timeout'), timedOut: false, expected: { kind: 'ended', status: 500 } },
    {
      state: 'cancelled',
      error: err('no_agent'),
      timedOut: false,
      expected: { kind: 'unavailable', status: 503, reason: 'no-agent', retryAfterSeconds: 5 },
    },
    {
      state: 'cancelled',
      error: err('saturated'),
      timedOut: true,
      expected: { kind: 'unavailable', status: 503, reason: 'saturated', retryAfterSeconds: 1 },
    },
    { state: 'cancelled', error: err('cancelled'), timedOut: false, expected: { kind: 'ended', status: 500 } },
    { state: 'cancelled', error: null, timedOut: false, expected: { kind: 'ended', status: 500 } },
    { state: 'expired', error: err('expired'), timedOut: false, expected: { kind: 'ended', status: 500 } },
    { state: 'stuck', error: err('heartbeat_lost'), timedOut: false, expected: { kind: 'ended', status: 500 } },
    ...(['scheduled', 'queued', 'dispatched', 'running'] as const).flatMap((state) => [
      { state, error: null, timedOut: false, expected: { kind: 'pending' } },
      { state, error: err('agent_error'), timedOut: true, expected: { kind: 'timeout', status: 504 } },
    ]),
  ];

  it.each(cases)(
    '$state ($error.code), timed out: $timedOut → $expected.kind',
    ({ state, error, timedOut, expected }) => {
      expect(sut({ state, error }, { timedOut })).toEqual(expected);
    },
  );

  it('covers every state', () => {
    expect(new Set(cases.map((c) => c.state))).toEqual(new Set(COMMAND_STATES));
  });

  it('a terminal row never maps to pending or timeout', () => {
    for (const state of COMMAND_STATES.filter(isTerminal)) {
      for (const timedOut of [false, true]) {
        expect(['pending', 'timeout']).not.toContain(sut({ state, error: null }, { timedOut }).kind);
      }
    }
  });
});

describe(syncAdmission.name, () => {
  const cases = [
    { decision: { commandId: 'c', kind: 'assign', agentId: 'a' } as const, expected: undefined },
    {
      decision: { commandId: 'c', kind: 'no-agent' } as const,
      expected: { kind: 'unavailable', status: 503, reason: 'no-agent', retryAfterSeconds: 5 },
    },
    {
      decision: { commandId: 'c', kind: 'saturated' } as const,
      expected: { kind: 'unavailable', status: 503, reason: 'saturated', retryAfterSeconds: 1 },
    },
  ];
  it.each(cases)('$decision.kind → $expected.status', ({ decision, expected }) => {
    expect(syncAdmission(decision)).toEqual(expected);
  });
});

describe(syncRefusal.name, () => {
  const reasons: SyncUnavailableReason[] = ['no-agent', 'saturated'];
  it.each(reasons)('%s: the cancel it makes maps back to 503 for the same reason', (reason) => {
    const t = transition(
      {
        state: 'queued',
        attempt: 0,
        maxAttempts: 1,
        mode: 'sync',
        backoff: { kind: 'constant', baseMs: 1, maxMs: 1, jitter: false },
      },
      syncRefusal(reason),
      new Date(0),
    );
    if (t.kind !== 'apply') throw new Error(`expected an applied cancel, got ${t.kind}`);
    expect(t.to).toBe('cancelled');
    expect(sut({ state: t.to, error: t.patch.error ?? null }, { timedOut: false })).toMatchObject({
      status: 503,
      reason,
    });
  });
});
