import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { COMMAND_COLUMNS, insertCommands, prepared, succeedBatch } from '@switchyard/persistence';
import { Pool } from 'pg';
import { draft, seedAgent } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { closePool } from '../../support/close-pool';

/**
 * The hot statements are named prepared statements, planned once per
 * connection. A migration may add a column while the services run (the
 * upgrade path of docs/operations.md): they must go on working on the
 * connections that prepared them before.
 */
describe('prepared statements on the hot path', () => {
  let t: TestEnv;
  let pool: Pool;

  beforeAll(async () => {
    t = await createTestEnv();
    // One connection: every call below runs on the connection that prepared the statement.
    pool = new Pool({ connectionString: t.databaseUrl, max: 1 });
    await seedAgent(t.pool, { id: 'prep-agent', concurrency: 100 });
  });
  afterAll(async () => {
    await closePool(pool);
    await t?.teardown();
  });

  it('COMMAND_COLUMNS lists every column of commands', async () => {
    const { rows } = await t.pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'commands'`,
    );
    expect([...COMMAND_COLUMNS].sort()).toEqual(rows.map((r) => r.column_name).sort());
  });

  it('insert and succeed keep working on their connection after a column is added to commands', async () => {
    const claimAndFinish = async () => {
      const d = draft({ target: 'prep-agent' });
      const [row] = await insertCommands(pool, [d], new Date(), {
        agents: new Map([[d.id, 'prep-agent']]),
        prefetch: 1,
      });
      expect(row).toMatchObject({ id: d.id, state: 'dispatched', attempt: 1 });
      const [done] = await succeedBatch(
        pool,
        [{ commandId: d.id, attempt: 1, agentId: 'prep-agent', result: { ok: true } }],
        new Date(),
      );
      expect(done).toMatchObject({ id: d.id, state: 'succeeded', result: { ok: true } });
      return done;
    };
    // More than five runs: Postgres may switch the statement to its generic plan by then.
    for (let i = 0; i < 7; i++) await claimAndFinish();
    // A statement returning `*` on the same connection, as the hot path used to.
    const star = prepared(
      'star_probe',
      'SELECT * FROM commands WHERE id = $1',
    )(['00000000-0000-0000-0000-000000000000']);
    await pool.query(star);

    await t.pool.query('ALTER TABLE commands ADD COLUMN added_by_a_later_release integer');

    const after = await claimAndFinish();
    expect(after).not.toHaveProperty('added_by_a_later_release');
    // The control: the `*` statement's cached plan no longer fits its result.
    await expect(pool.query(star)).rejects.toThrow(/cached plan must not change result type/);
  });
});
