import { afterEach, describe, expect, it } from '@jest/globals';
import type { HandlerContext } from '@switchyard/agent-sdk';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withEffectLog } from './effect-log';

const at = new Date('2026-01-02T03:04:05.000Z');
const ctx = (attempt: number) => ({ commandId: 'c-1', attempt }) as HandlerContext;

describe(withEffectLog.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'effects-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one line per completion, before the outcome leaves the handler', async () => {
    const file = join(dir, 'a-1.jsonl');
    const sut = withEffectLog(
      {
        ok: () => Promise.resolve('fine'),
        bad: () => Promise.reject(new Error('no')),
      },
      file,
      'a-1',
      () => at,
    );

    await expect(sut.ok(null, ctx(1))).resolves.toBe('fine');
    const linesWhenHandlerReturned = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    await expect(sut.bad(null, ctx(2))).rejects.toThrow('no');

    expect(linesWhenHandlerReturned).toBe(1);
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { commandId: 'c-1', attempt: 1, agentId: 'a-1', outcome: 'succeeded', at: at.toISOString() },
      { commandId: 'c-1', attempt: 2, agentId: 'a-1', outcome: 'failed', at: at.toISOString() },
    ]);
  });
});
