import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inTransaction } from '@switchyard/persistence';
import { Pool } from 'pg';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { closePool } from '../../support/close-pool';

/**
 * Found by the chaos run (docs/chaos.md): `pg_terminate_backend` on a client
 * held by a transaction made pg emit an unhandled 'error' that killed the
 * orchestrator. The transaction must fail instead, and the pool go on.
 */
describe(inTransaction.name, () => {
  let t: TestEnv;
  let pool: Pool;
  let admin: Pool;

  beforeAll(async () => {
    t = await createTestEnv();
    pool = new Pool({ connectionString: t.databaseUrl, max: 2 });
    admin = new Pool({ connectionString: t.databaseUrl, max: 1 });
  });
  afterAll(async () => {
    await closePool(pool);
    await closePool(admin);
    await t?.teardown();
  });

  it('a backend terminated between two statements fails the transaction, not the process; the pool recovers', async () => {
    let unhandled: unknown;
    const onUncaught = (err: unknown) => {
      unhandled = err;
    };
    process.on('uncaughtException', onUncaught);
    try {
      const run = inTransaction(pool, async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        // The termination reaches the idle client before its next statement.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await tx.query('SELECT 1');
      });
      await expect(run).rejects.toThrow();
      expect(unhandled).toBeUndefined();
      const after = await inTransaction(pool, async (tx) => (await tx.query<{ n: number }>('SELECT 1 AS n')).rows[0].n);
      expect(after).toBe(1);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
  });
});
