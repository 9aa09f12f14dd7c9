import { describe, expect, it } from '@jest/globals';
import type { PoolClient } from 'pg';
import { RETENTION_BATCH, retentionJob as sut } from './retention.job';

/** A client that records the statements it is given and answers with `rows`. */
function recorder(rows: unknown[] = [], rowCount = 1) {
  const calls: { text: string; values: unknown[] }[] = [];
  const tx = {
    query: (text: string, values: unknown[] = []) => {
      calls.push({ text, values });
      return Promise.resolve({ rows, rowCount });
    },
  } as unknown as PoolClient;
  return { tx, calls };
}

describe(sut.name, () => {
  const week = 7 * 24 * 3_600_000;
  const now = new Date('2026-11-23T12:00:00.000Z');

  it.each([0, 59_999, Number.NaN])('refuses a retention of %p ms', (ms) => {
    expect(() => sut(ms)).toThrow(/retention must be at least 60000 ms/);
  });

  it.each([
    { limit: 200, expected: RETENTION_BATCH },
    { limit: 50, expected: 50 },
  ])(
    'claims rows finished RETENTION_MS before now, at most $expected for a batch of $limit',
    async ({ limit, expected }) => {
      const { tx, calls } = recorder();
      await sut(week).claim(tx, now, limit);
      expect(calls).toHaveLength(1);
      expect(calls[0].values).toEqual([new Date(now.getTime() - week), expected]);
    },
  );

  it('deletes one row fenced on its terminal state and returns no effects', async () => {
    const { tx, calls } = recorder();
    const row = { id: 'c1', state: 'failed' as const, finished_at: now };
    expect(await sut(week).apply(tx, row, now)).toEqual([]);
    expect(calls[0].text).toMatch(/^DELETE FROM commands WHERE id = \$1 AND state = \$2/);
    expect(calls[0].values).toEqual(['c1', 'failed']);
  });

  it('throws when the fenced delete misses, so the runner counts the row as failed', async () => {
    const { tx } = recorder([], 0);
    await expect(sut(week).apply(tx, { id: 'c1', state: 'succeeded', finished_at: now }, now)).rejects.toThrow(
      /purge missed a locked succeeded row/,
    );
  });
});
