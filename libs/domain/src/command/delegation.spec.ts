import { describe, expect, it } from '@jest/globals';
import type { CommandState } from './command-state';
import { adoptPublishedChild, delegateFrom as sut, type ParentSnapshot } from './delegation';

const PARENT = '01970a3e-5c1b-7d2e-9f40-2b6c8d9e0a11';
const parent = (state: CommandState, assignedAgent: string | null = 'a1', depth = 2): ParentSnapshot => ({
  state,
  assignedAgent,
  depth,
});

describe(sut.name, () => {
  it.each<[string, ParentSnapshot | undefined, string, object]>([
    ['a running parent of this agent', parent('running'), 'a1', { ok: true, parentId: PARENT, depth: 3 }],
    ['a parent dispatched but not yet accepted', parent('dispatched'), 'a1', { ok: true, depth: 3 }],
    ['a top-level parent', parent('running', 'a1', 0), 'a1', { ok: true, depth: 1 }],
    ['an unknown parent', undefined, 'a1', { ok: false, status: 404, reason: 'parent-not-found' }],
    ["another agent's parent", parent('running', 'a2'), 'a1', { ok: false, status: 403, reason: 'parent-not-held' }],
    ['a parent assigned to no one', parent('queued', null), 'a1', { ok: false, status: 403 }],
    ['a finished parent', parent('succeeded'), 'a1', { ok: false, status: 409, reason: 'parent-not-running' }],
    ['a cancelled parent', parent('cancelled'), 'a1', { ok: false, status: 409, reason: 'parent-not-running' }],
    ['a parent requeued for a retry', parent('queued'), 'a1', { ok: false, status: 409 }],
  ])('%s', (_, snapshot, agentId, expected) => {
    expect(sut(PARENT, snapshot, agentId)).toMatchObject(expected);
  });
});

describe(adoptPublishedChild.name, () => {
  it.each<[string, ParentSnapshot | undefined, object]>([
    ['a running parent', parent('running'), { ok: true, parentId: PARENT, depth: 3, agentId: 'a1' }],
    ['a parent that finished since the publish', parent('succeeded'), { ok: true, depth: 3, agentId: 'a1' }],
    ['a parent that failed since the publish', parent('failed'), { ok: true, agentId: 'a1' }],
    ['an unknown parent', undefined, { ok: false, status: 404, reason: 'parent-not-found' }],
    ['a parent no agent holds', parent('queued', null), { ok: false, status: 403, reason: 'parent-not-held' }],
    ['a cancelled parent', parent('cancelled'), { ok: false, status: 409, reason: 'parent-cancelled' }],
    ['an expired parent', parent('expired'), { ok: false, status: 409, reason: 'parent-cancelled' }],
  ])('%s', (_, snapshot, expected) => {
    expect(adoptPublishedChild(PARENT, snapshot)).toMatchObject(expected);
  });
});
