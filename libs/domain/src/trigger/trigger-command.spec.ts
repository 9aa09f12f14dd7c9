import { describe, expect, it } from '@jest/globals';
import { MAX_DEPTH_EXCEEDED } from '../command/command-depth';
import { CommandDefaults } from '../command/command-draft';
import { DEFAULT_BACKOFF } from '../retry/backoff';
import { draftTriggeredCommand as sut, matchingTriggers, TriggerEvent, TriggerSpec } from './trigger-command';

const defaults: CommandDefaults = {
  maxAttempts: 3,
  ackTimeoutMs: 10_000,
  heartbeatTimeoutMs: 30_000,
  deadlineMs: 60_000,
};
const now = new Date('2026-01-01T12:00:00.000Z');
const TRIGGER_ID = '0190a0b0-0000-7000-8000-000000000001';
const CAUSE = '0190a0b0-0000-7000-8000-0000000000c0';
const ctx = { id: '0190a0b0-0000-7000-8000-0000000000aa', defaults, now, maxDepth: 8 };

const trigger = (overrides: Partial<TriggerSpec> = {}): TriggerSpec => ({
  id: TRIGGER_ID,
  subjectPattern: 'orders.*',
  target: { kind: 'pool', name: 'billing' },
  type: 'invoice.create',
  options: {},
  ...overrides,
});
const event = (overrides: Partial<TriggerEvent> = {}): TriggerEvent => ({
  id: 'evt-1',
  subject: 'orders.created',
  data: { orderId: 42 },
  depth: 0,
  causeCommandId: null,
  deadLetterId: null,
  ...overrides,
});

describe(sut.name, () => {
  it('is an async queued command of the trigger, keyed by the event id, one deeper than the event', () => {
    expect(sut(trigger(), event(), ctx)).toEqual({
      ok: true,
      draft: {
        id: ctx.id,
        targetKind: 'pool',
        target: 'billing',
        type: 'invoice.create',
        payload: { orderId: 42 },
        caller: `trigger:${TRIGGER_ID}`,
        idempotencyKey: 'evt-1',
        mode: 'async',
        state: 'queued',
        maxAttempts: 3,
        backoff: DEFAULT_BACKOFF,
        runAt: null,
        deadlineAt: new Date(now.getTime() + 60_000),
        ackTimeoutMs: 10_000,
        heartbeatTimeoutMs: 30_000,
        depth: 1,
        parentId: null,
        traceparent: null,
      },
    });
  });

  const cases: {
    name: string;
    trigger?: Partial<TriggerSpec>;
    event?: Partial<TriggerEvent>;
    maxDepth?: number;
    expected: Record<string, unknown>;
  }[] = [
    {
      name: 'payload from the template',
      trigger: { payloadTemplate: { order: '{{data.orderId}}', from: '{{subject}}' } },
      expected: { payload: { order: 42, from: 'orders.created' } },
    },
    {
      name: 'a null template means the event data',
      trigger: { payloadTemplate: null },
      expected: { payload: { orderId: 42 } },
    },
    {
      name: 'options',
      trigger: {
        options: {
          maxAttempts: 5,
          backoff: { kind: 'constant', baseMs: 10, maxMs: 10 },
          ackTimeoutMs: 500,
          heartbeatTimeoutMs: 700,
          deadlineMs: 5_000,
        },
      },
      expected: {
        maxAttempts: 5,
        backoff: { ...DEFAULT_BACKOFF, kind: 'constant', baseMs: 10, maxMs: 10 },
        ackTimeoutMs: 500,
        heartbeatTimeoutMs: 700,
        deadlineAt: new Date(now.getTime() + 5_000),
      },
    },
    {
      name: 'an event a command published: child of that command, one deeper',
      event: { depth: 3, causeCommandId: CAUSE },
      expected: { depth: 4, parentId: CAUSE, state: 'queued' },
    },
    {
      name: 'at the maximum depth it runs',
      event: { depth: 7, causeCommandId: CAUSE },
      expected: { depth: 8, state: 'queued' },
    },
    {
      name: 'past the maximum depth it is created cancelled with the reason',
      event: { depth: 8, causeCommandId: CAUSE },
      expected: { depth: 9, state: 'cancelled', error: expect.objectContaining({ code: MAX_DEPTH_EXCEEDED }) },
    },
    {
      name: 'a lower configured maximum',
      event: { depth: 2 },
      maxDepth: 2,
      expected: { depth: 3, state: 'cancelled' },
    },
    {
      name: 'a dead-letter handler: one attempt whatever the trigger says, marked as the handler',
      trigger: { options: { maxAttempts: 9 } },
      event: { subject: 'deadletter.echo', deadLetterId: 'dl-1', depth: 0, causeCommandId: CAUSE },
      expected: { maxAttempts: 1, handlesDeadLetter: 'dl-1', depth: 1, parentId: CAUSE },
    },
  ];
  it.each(cases)('$name', (c) => {
    const out = sut(trigger(c.trigger), event(c.event), { ...ctx, maxDepth: c.maxDepth ?? 8 });
    expect(out).toMatchObject({ ok: true, draft: c.expected });
  });

  it('an ordinary event is not a dead-letter handler', () => {
    const out = sut(trigger(), event(), ctx);
    expect(out.ok && out.draft.handlesDeadLetter).toBeFalsy();
  });

  it('refuses what a submission would refuse', () => {
    const out = sut(trigger({ options: { backoff: { kind: 'constant', baseMs: 10, maxMs: 5 } } }), event(), ctx);
    expect(out).toEqual({ ok: false, field: 'backoff.maxMs', message: 'must be at least baseMs' });
  });
});

describe(matchingTriggers.name, () => {
  const triggers = [
    { id: 'a', subjectPattern: 'orders.*' },
    { id: 'b', subjectPattern: 'orders.created' },
    { id: 'c', subjectPattern: 'payments.>' },
    { id: 'd', subjectPattern: '>' },
  ];
  const cases: { subject: string; ids: string[] }[] = [
    { subject: 'orders.created', ids: ['a', 'b', 'd'] },
    { subject: 'orders.updated', ids: ['a', 'd'] },
    { subject: 'payments.card.ok', ids: ['c', 'd'] },
    { subject: 'other', ids: ['d'] },
  ];
  it.each(cases)('$subject fires $ids', ({ subject, ids }) => {
    expect(matchingTriggers(triggers, subject).map((t) => t.id)).toEqual(ids);
  });
});
