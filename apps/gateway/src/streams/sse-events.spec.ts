import { describe, expect, it } from '@jest/globals';
import { commandEvent, statusEvent } from './sse-events';

const message = (seq: number, body: string | Uint8Array) => ({
  seq,
  subject: 'sy.x',
  data: typeof body === 'string' ? new TextEncoder().encode(body) : body,
});

describe(commandEvent.name, () => {
  const claim = { commandId: 'c1', event: 'claim', from: 'queued', state: 'dispatched', attempt: 1 };

  const cases = [
    {
      name: 'named by its lifecycle event, id = stream sequence',
      body: JSON.stringify(claim),
      expected: { id: '42', type: 'claim', data: claim },
    },
    {
      name: 'progress keeps its name',
      body: '{"event":"progress","progress":{"percent":50}}',
      expected: { id: '42', type: 'progress', data: { event: 'progress', progress: { percent: 50 } } },
    },
    {
      name: 'no event name: "lifecycle"',
      body: '{"commandId":"c1"}',
      expected: { id: '42', type: 'lifecycle', data: { commandId: 'c1' } },
    },
    {
      name: 'an event name that is not a token: "lifecycle"',
      body: '{"event":"a b\\nevent: x"}',
      expected: { id: '42', type: 'lifecycle', data: { event: 'a b\nevent: x' } },
    },
    { name: 'not JSON: skipped', body: 'hello', expected: undefined },
    { name: 'a JSON array: skipped', body: '[1]', expected: undefined },
    { name: 'JSON null: skipped', body: 'null', expected: undefined },
    { name: 'empty: skipped', body: '', expected: undefined },
    { name: 'invalid UTF-8: skipped', body: new Uint8Array([0x7b, 0xff, 0x7d]), expected: undefined },
  ];

  it.each(cases)('$name', ({ body, expected }) => {
    expect(commandEvent(message(42, body))).toEqual(expected);
  });
});

describe(statusEvent.name, () => {
  it('is named status and carries the agent id of its subject', () => {
    const status = { phase: 'busy', activity: 'running echo', at: '2026-11-23T10:00:01.000Z' };
    expect(statusEvent(message(7, JSON.stringify(status)), 'worker-1')).toEqual({
      id: '7',
      type: 'status',
      data: { ...status, agentId: 'worker-1' },
    });
  });

  it('the subject names the agent, whatever the body says', () => {
    expect(statusEvent(message(7, '{"phase":"idle","agentId":"someone-else"}'), 'worker-1')?.data).toEqual({
      phase: 'idle',
      agentId: 'worker-1',
    });
  });

  it.each([
    { name: 'not JSON', body: 'x', agentId: 'worker-1' },
    { name: 'no agent in the subject', body: '{"phase":"idle"}', agentId: undefined },
  ])('skips a message with $name', ({ body, agentId }) => {
    expect(statusEvent(message(7, body), agentId)).toBeUndefined();
  });
});
