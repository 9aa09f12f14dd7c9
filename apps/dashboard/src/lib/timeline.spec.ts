import { describe, expect, it } from '@jest/globals';
import { attemptsOf, CommandEvent } from './timeline';

let seq = 0;
function ev(event: string, from: string | null, to: string | null, attempt: number, extra: Partial<CommandEvent> = {}) {
  seq += 1;
  return {
    id: seq,
    event,
    from,
    to,
    attempt,
    agentId: null,
    data: null,
    at: `2026-11-23T10:00:${String(seq).padStart(2, '0')}.000Z`,
    ...extra,
  };
}

describe(attemptsOf.name, () => {
  it('one failed attempt, then a successful one', () => {
    seq = 0;
    const events = [
      ev('submit', null, 'queued', 0),
      ev('claim', 'queued', 'dispatched', 1, { agentId: 'demo-1' }),
      ev('accept', 'dispatched', 'running', 1, { agentId: 'demo-1' }),
      ev('progress', 'running', 'running', 1, { agentId: 'demo-1' }),
      ev('fail', 'running', 'queued', 1, { agentId: 'demo-1', data: { error: { code: 'boom' } } }),
      ev('claim', 'queued', 'dispatched', 2, { agentId: 'demo-2' }),
      ev('accept', 'dispatched', 'running', 2),
      ev('succeed', 'running', 'succeeded', 2),
    ];
    expect(attemptsOf(events)).toEqual([
      {
        attempt: 1,
        agentId: 'demo-1',
        claimedAt: events[1].at,
        acceptedAt: events[2].at,
        endedAt: events[4].at,
        outcome: 'fail',
        endState: 'queued',
        error: { code: 'boom' },
      },
      {
        attempt: 2,
        agentId: 'demo-2',
        claimedAt: events[5].at,
        acceptedAt: events[6].at,
        endedAt: events[7].at,
        outcome: 'succeed',
        endState: 'succeeded',
        error: null,
      },
    ]);
  });

  it('an attempt still running has no end', () => {
    seq = 0;
    const [attempt] = attemptsOf([
      ev('submit', null, 'queued', 0),
      ev('claim', 'queued', 'dispatched', 1, { agentId: 'demo-1' }),
      ev('accept', 'dispatched', 'running', 1),
    ]);
    expect(attempt).toMatchObject({ attempt: 1, agentId: 'demo-1', endedAt: null, outcome: null });
  });

  it('events in any order; a command never claimed has no attempts', () => {
    seq = 0;
    const claim = ev('claim', 'queued', 'dispatched', 1);
    const timeout = ev('ack-timeout', 'dispatched', 'queued', 1);
    expect(attemptsOf([timeout, claim])[0]).toMatchObject({ claimedAt: claim.at, outcome: 'ack-timeout' });
    expect(attemptsOf([ev('submit', null, 'queued', 0), ev('cancel', 'queued', 'cancelled', 0)])).toEqual([]);
  });
});
