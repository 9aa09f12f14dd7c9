import { describe, expect, it } from '@jest/globals';
import { COMMAND_STATES } from '@switchyard/domain/command/command-state';
import { EXIT, exitCodeForFinalState, exitCodeForResponse, problemSlug } from './exit-codes';

describe(exitCodeForResponse.name, () => {
  const cases: { status: number; slug?: string; code: number }[] = [
    { status: 200, code: EXIT.ok },
    { status: 201, code: EXIT.ok },
    { status: 202, code: EXIT.ok },
    { status: 204, code: EXIT.ok },
    { status: 400, slug: 'validation', code: EXIT.invalid },
    { status: 413, code: EXIT.invalid },
    { status: 415, code: EXIT.invalid },
    { status: 401, code: EXIT.auth },
    { status: 403, code: EXIT.auth },
    { status: 404, code: EXIT.notFound },
    { status: 409, slug: 'command-terminal', code: EXIT.conflict },
    { status: 422, slug: 'command-failed', code: EXIT.commandFailed },
    { status: 422, slug: 'validation', code: EXIT.invalid },
    { status: 429, code: EXIT.tryLater },
    { status: 503, slug: 'no-agent', code: EXIT.tryLater },
    { status: 503, slug: 'saturated', code: EXIT.tryLater },
    { status: 504, slug: 'sync-timeout', code: EXIT.syncTimeout },
    { status: 504, code: EXIT.unavailable },
    { status: 507, slug: 'result-too-large', code: EXIT.resultTooLarge },
    { status: 500, slug: 'command-ended', code: EXIT.commandEnded },
    { status: 500, code: EXIT.unavailable },
    { status: 502, code: EXIT.unavailable },
    { status: 418, code: EXIT.unexpected },
    { status: 302, code: EXIT.unexpected },
  ];
  it.each(cases)('$status $slug → $code', ({ status, slug, code }) => {
    expect(exitCodeForResponse(status, slug)).toBe(code);
  });
});

describe(exitCodeForFinalState.name, () => {
  const cases = [
    { state: 'succeeded', code: EXIT.ok },
    { state: 'failed', code: EXIT.commandFailed },
    { state: 'cancelled', code: EXIT.commandEnded },
    { state: 'expired', code: EXIT.commandEnded },
    { state: 'stuck', code: EXIT.commandEnded },
    { state: 'scheduled', code: EXIT.syncTimeout },
    { state: 'queued', code: EXIT.syncTimeout },
    { state: 'dispatched', code: EXIT.syncTimeout },
    { state: 'running', code: EXIT.syncTimeout },
  ] as const;
  it.each(cases)('$state → $code', ({ state, code }) => {
    expect(exitCodeForFinalState(state)).toBe(code);
  });
  it('covers every command state', () => {
    expect(cases.map((c) => c.state).sort()).toEqual([...COMMAND_STATES].sort());
  });
});

describe(problemSlug.name, () => {
  it.each([
    { type: 'urn:switchyard:problem:sync-timeout', slug: 'sync-timeout' },
    { type: 'about:blank', slug: undefined },
    { type: 42, slug: undefined },
    { type: undefined, slug: undefined },
  ])('$type → $slug', ({ type, slug }) => {
    expect(problemSlug(type)).toBe(slug);
  });
});

describe('EXIT', () => {
  it('gives every outcome its own code', () => {
    const codes = Object.values(EXIT);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
