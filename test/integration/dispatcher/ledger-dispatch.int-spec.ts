import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { DispatchService, type Submission } from '../../../apps/dispatcher/src/dispatch.service';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { seedAgent, seedCommands } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';

/**
 * Rows the gateway recorded reach the dispatcher as ledger submissions, whose
 * subject names the target. The dispatcher reads the rows and, fresh, their
 * agents' load before it claims them. These check that the two reads go
 * together, and that the row's own target decides when the hint is missing
 * or wrong.
 */
describe('dispatching ledger rows (dispatcher in-process, real Postgres and NATS JetStream)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let dispatch: DispatchService;
  let pool: Pool;

  beforeAll(async () => {
    t = await createTestEnv();
    const moduleRef = await Test.createTestingModule({
      imports: [DispatcherModule.forRoot(t.config('dispatcher'))],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
    await app.init();
    dispatch = app.get(DispatchService);
    pool = app.get<Pool>(PG_POOL);
    await seedAgent(t.pool, { id: 'ledger-a', pools: ['ledger-work'], concurrency: 50 });
  });

  afterAll(async () => {
    await app?.close();
    await t?.teardown();
  });

  /** The dispatcher's statements in the order they were issued and answered: `start:<name>`, `end:<name>`. */
  function recordStatements() {
    const events: string[] = [];
    // Shadows Pool.prototype.query on this pool until restored.
    const target = pool as unknown as { query?: (...args: unknown[]) => Promise<unknown> };
    const original = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    target.query = (...args: unknown[]) => {
      const q = args[0] as string | { name?: string; text: string };
      const name =
        typeof q === 'string' ? (q.includes('FROM commands WHERE id = ANY') ? 'rows' : 'other') : (q.name ?? 'other');
      events.push(`start:${name}`);
      return original(...args).then((result) => {
        events.push(`end:${name}`);
        return result;
      });
    };
    return { events, restore: () => delete target.query };
  }

  async function claimedBy(ids: readonly string[]): Promise<(string | null)[]> {
    const { rows } = await t.pool.query<{ id: string; state: string; assigned_agent: string | null }>(
      'SELECT id, state, assigned_agent FROM commands WHERE id = ANY($1::uuid[])',
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r.state === 'dispatched' ? r.assigned_agent : null]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  it('reads the hinted targets’ agents alongside the rows, then claims every row', async () => {
    const rows = await seedCommands(t.pool, 3, { targetKind: 'pool', target: 'ledger-work' });
    const submissions: Submission[] = rows.map((r) => ({
      kind: 'ledger',
      commandId: r.id,
      target: { kind: 'pool', name: 'ledger-work' },
    }));
    const statements = recordStatements();
    try {
      const { dispositions } = await dispatch.dispatch(submissions);
      expect(dispositions).toEqual(rows.map(() => ({ kind: 'ack' })));
    } finally {
      statements.restore();
    }
    const { events } = statements;
    // Both reads are issued before either is answered; the claim follows them.
    expect(events.indexOf('start:sy_load_live_agents')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('start:sy_load_live_agents')).toBeLessThan(events.indexOf('end:rows'));
    expect(events.filter((e) => e === 'start:sy_load_live_agents')).toHaveLength(1);
    expect(events.indexOf('start:sy_claim_for_dispatch')).toBeGreaterThan(events.indexOf('end:rows'));
    expect(await claimedBy(rows.map((r) => r.id))).toEqual(['ledger-a', 'ledger-a', 'ledger-a']);
  });

  it.each([
    { name: 'no hint', hint: undefined },
    { name: 'a hint naming another target', hint: { kind: 'pool' as const, name: 'elsewhere' } },
  ])('with $name, the row’s own target is read and decides', async ({ hint }) => {
    const [row] = await seedCommands(t.pool, 1, { targetKind: 'pool', target: 'ledger-work' });
    const { dispositions } = await dispatch.dispatch([
      { kind: 'ledger', commandId: row.id, ...(hint ? { target: hint } : {}) },
    ]);
    expect(dispositions).toEqual([{ kind: 'ack' }]);
    expect(await claimedBy([row.id])).toEqual(['ledger-a']);
  });
});
