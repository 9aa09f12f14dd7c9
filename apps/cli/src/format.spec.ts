import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import {
  agentList,
  commandDetail,
  commandList,
  palette,
  problem,
  state,
  streamEvent,
  table,
  targetText,
  visibleLength,
} from './format';

const plain = palette(false);
const colour = palette(true);
const ESC = '\x1b[';

describe(state.name, () => {
  it.each([
    { value: 'succeeded', code: '32' },
    { value: 'failed', code: '31' },
    { value: 'stuck', code: '31' },
    { value: 'cancelled', code: '33' },
    { value: 'expired', code: '33' },
    { value: 'running', code: '36' },
    { value: 'dispatched', code: '36' },
    { value: 'queued', code: '34' },
    { value: 'scheduled', code: '34' },
  ])('$value is coloured $code on a terminal, plain otherwise', ({ value, code }) => {
    expect(state(value, colour)).toBe(`${ESC}${code}m${value}${ESC}39m`);
    expect(state(value, plain)).toBe(value);
  });
});

describe(table.name, () => {
  it('pads columns to the widest visible cell, ignoring colour codes', () => {
    const rows = [
      [colour.green('succeeded'), 'a'],
      ['queued', 'bb'],
    ];
    const lines = table(['STATE', 'X'], rows, colour).split('\n');
    expect(lines.map(visibleLength)).toEqual([12, 12, 13]);
    expect(
      table(
        ['STATE', 'X'],
        rows.map((r) => r.map((c) => stripVTControlCharacters(c))),
        plain,
      ),
    ).toBe('STATE      X\nsucceeded  a\nqueued     bb');
  });
});

describe(targetText.name, () => {
  it.each([
    { target: { agent: 'a-1' }, text: 'agent:a-1' },
    { target: { pool: 'demo' }, text: 'pool:demo' },
    { target: null, text: '-' },
  ])('$text', ({ target, text }) => {
    expect(targetText(target)).toBe(text);
  });
});

describe('listings', () => {
  it('commands as a table', () => {
    const out = commandList(
      [
        {
          id: 'c1',
          state: 'failed',
          target: { pool: 'demo' },
          type: 'echo',
          attempt: 2,
          maxAttempts: 3,
          createdAt: '2026-03-01T12:00:00.000Z',
        },
      ],
      plain,
    );
    expect(out.split('\n')).toEqual([
      'ID  STATE   TARGET     TYPE  ATTEMPT  CREATED',
      'c1  failed  pool:demo  echo  2/3      2026-03-01T12:00:00.000Z',
    ]);
  });
  it.each([
    { name: 'commands', render: () => commandList([], plain), text: 'no commands' },
    { name: 'agents', render: () => agentList([], plain), text: 'no agents' },
  ])('no $name says so', ({ render, text }) => {
    expect(render()).toBe(text);
  });
  it('agents with their phase and activity', () => {
    const out = agentList(
      [
        {
          id: 'w-1',
          pools: ['demo'],
          concurrency: 4,
          status: { phase: 'busy', activity: 'running echo' },
          lastHeartbeatAt: null,
        },
      ],
      plain,
    );
    expect(out.split('\n')[1]).toBe('w-1  busy   demo   4            running echo  -');
  });
});

describe(commandDetail.name, () => {
  it('shows fields, payload, result and events; leaves out empty fields', () => {
    const out = commandDetail(
      {
        id: 'c1',
        state: 'succeeded',
        target: { agent: 'a-1' },
        type: 'echo',
        mode: 'async',
        attempt: 1,
        maxAttempts: 3,
        parentId: null,
        payload: { a: 1 },
        result: { a: 1 },
        error: null,
        events: [{ event: 'succeed', from: 'running', to: 'succeeded', attempt: 1, agentId: 'a-1', at: 'T' }],
      },
      plain,
    );
    expect(out).toContain('state    succeeded');
    expect(out).toContain('payload  {"a":1}');
    expect(out).toContain('result   {"a":1}');
    expect(out).toContain('succeed        running → succeeded  attempt 1  a-1');
    expect(out).not.toContain('parent');
    expect(out).not.toContain('error');
  });
});

describe(streamEvent.name, () => {
  it.each([
    {
      name: 'a command event',
      event: {
        id: '7',
        event: 'claim',
        data: { from: 'queued', state: 'dispatched', attempt: 1, agentId: 'a-1', at: '2026-03-01T12:00:00.000Z' },
      },
      line: '12:00:00.000Z #7 claim queued → dispatched  attempt 1  a-1',
    },
    {
      name: 'a final event with its result',
      event: {
        id: '9',
        event: 'succeed',
        data: { from: 'running', state: 'succeeded', attempt: 1, result: { ok: 1 } },
      },
      line: ' #9 succeed running → succeeded  attempt 1  {"ok":1}',
    },
    {
      name: 'an agent status',
      event: {
        id: '3',
        event: 'status',
        data: { agentId: 'a-1', phase: 'busy', activity: 'running echo', commandId: 'c1', at: 'x' },
      },
      line: 'x #3 status a-1  busy  running echo  command c1',
    },
  ])('$name', ({ event, line }) => {
    expect(streamEvent(event, plain)).toBe(line);
  });
});

describe(problem.name, () => {
  it('title, detail, field errors and the command it is about', () => {
    expect(
      problem(
        400,
        {
          title: 'Bad Request',
          detail: 'invalid request body',
          errors: [{ field: 'timeoutMs', message: 'too big' }],
          id: 'c1',
          state: 'running',
        },
        plain,
      ),
    ).toEqual(['400 Bad Request: invalid request body', '  timeoutMs: too big', '  command c1 is running']);
  });
  it('a body that is not a problem', () => {
    expect(problem(502, 'Bad gateway', plain)).toEqual(['the gateway answered 502']);
  });
});
