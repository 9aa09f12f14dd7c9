import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { claimForDispatch, CommandRow, transitionCommand } from '@switchyard/persistence';
import { seedCommands } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';

describe('fenced transitions (real Postgres)', () => {
  let t: TestEnv;

  beforeAll(async () => {
    t = await createTestEnv();
  });
  afterAll(async () => {
    await t?.teardown();
  });

  const snapshot = async (id: string) => {
    const { rows } = await t.pool.query<CommandRow>('SELECT * FROM commands WHERE id = $1', [id]);
    const { rows: events } = await t.pool.query('SELECT * FROM command_events WHERE command_id = $1 ORDER BY id', [id]);
    return { row: rows[0], events };
  };

  /** Claims, accepts and fails attempt 1, then claims attempt 2: the presumed-dead agent's report comes late. */
  async function onSecondAttempt(): Promise<string> {
    const [cmd] = await seedCommands(t.pool, 1, { backoff: { kind: 'constant', baseMs: 0, maxMs: 0, jitter: false } });
    await claimForDispatch(t.pool, [{ commandId: cmd.id, agentId: 'agent-1' }], new Date());
    await transitionCommand(t.pool, cmd.id, { kind: 'accept', attempt: 1 }, { event: 'accept' }, new Date());
    const failed = await transitionCommand(
      t.pool,
      cmd.id,
      { kind: 'fail', attempt: 1, retryable: true, error: { message: 'boom' } },
      { event: 'fail' },
      new Date(),
    );
    expect(failed).toMatchObject({ kind: 'applied', row: { state: 'queued', attempt: 1 } });
    const [second] = await claimForDispatch(
      t.pool,
      [{ commandId: cmd.id, agentId: 'agent-2' }],
      new Date(Date.now() + 5),
    );
    expect(second).toMatchObject({ attempt: 2, state: 'dispatched', assigned_agent: 'agent-2' });
    return cmd.id;
  }

  it.each([
    { report: 'succeed', event: { kind: 'succeed' as const, attempt: 1, result: { late: true } } },
    { report: 'fail', event: { kind: 'fail' as const, attempt: 1, retryable: true, error: { message: 'late' } } },
    { report: 'accept', event: { kind: 'accept' as const, attempt: 1 } },
    { report: 'release', event: { kind: 'release' as const, attempt: 1 } },
  ])('a $report for attempt 1 after attempt 2 started is refused and changes nothing', async ({ event }) => {
    const id = await onSecondAttempt();
    const before = await snapshot(id);
    const result = await transitionCommand(t.pool, id, event, { event: event.kind, agentId: 'agent-1' }, new Date());
    expect(result).toMatchObject({ kind: 'refused', reason: 'stale-attempt' });
    expect(await snapshot(id)).toEqual(before);
  });

  it('the current attempt completes; replaying its result is a no-op and a conflicting one is refused', async () => {
    const id = await onSecondAttempt();
    const ok = await transitionCommand(
      t.pool,
      id,
      { kind: 'succeed', attempt: 2, result: { v: 2 } },
      { event: 'succeed' },
      new Date(),
    );
    expect(ok).toMatchObject({ kind: 'applied', row: { state: 'succeeded', result: { v: 2 } } });
    const after = await snapshot(id);

    const replay = await transitionCommand(
      t.pool,
      id,
      { kind: 'succeed', attempt: 2, result: { v: 2 } },
      { event: 'succeed' },
      new Date(),
    );
    expect(replay.kind).toBe('noop');
    const conflict = await transitionCommand(
      t.pool,
      id,
      { kind: 'fail', attempt: 2, retryable: false, error: { message: 'no' } },
      { event: 'fail' },
      new Date(),
    );
    expect(conflict).toMatchObject({ kind: 'refused', reason: 'terminal' });
    expect(await snapshot(id)).toEqual(after);
    expect(after.events.map((e: { event: string; to_state: string }) => `${e.event}:${e.to_state}`)).toEqual([
      'submit:queued',
      'claim:dispatched',
      'accept:running',
      'fail:queued',
      'claim:dispatched',
      'succeed:succeeded',
    ]);
  });

  it('50 racing results for one attempt: exactly one is applied, one terminal event is written', async () => {
    const [cmd] = await seedCommands(t.pool, 1);
    await claimForDispatch(t.pool, [{ commandId: cmd.id, agentId: 'agent-1' }], new Date());
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        transitionCommand(
          t.pool,
          cmd.id,
          i % 2
            ? { kind: 'succeed', attempt: 1, result: { i } }
            : { kind: 'fail', attempt: 1, retryable: false, error: { message: `e${i}` } },
          { event: 'race' },
          new Date(),
        ),
      ),
    );
    expect(results.filter((r) => r.kind === 'applied')).toHaveLength(1);
    const { events, row } = await snapshot(cmd.id);
    expect(events.filter((e: { to_state: string }) => ['succeeded', 'failed'].includes(e.to_state))).toHaveLength(1);
    expect(['succeeded', 'failed']).toContain(row.state);
  });

  it('the final failure writes one dead letter in the same statement', async () => {
    const [cmd] = await seedCommands(t.pool, 1, { maxAttempts: 1 });
    await claimForDispatch(t.pool, [{ commandId: cmd.id, agentId: 'agent-1' }], new Date());
    const result = await transitionCommand(
      t.pool,
      cmd.id,
      { kind: 'fail', attempt: 1, retryable: true, error: { message: 'out of attempts', code: 'boom' } },
      { event: 'fail' },
      new Date(),
    );
    expect(result).toMatchObject({ kind: 'applied', row: { state: 'failed' } });
    const { rows } = await t.pool.query('SELECT reason, attempt, type FROM dead_letters WHERE command_id = $1', [
      cmd.id,
    ]);
    expect(rows).toEqual([{ reason: 'boom', attempt: 1, type: 'echo' }]);
  });
});
