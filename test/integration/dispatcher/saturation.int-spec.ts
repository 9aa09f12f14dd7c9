import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { subjectsFor } from '@switchyard/messaging';
import { DispatchService } from '../../../apps/dispatcher/src/dispatch.service';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { draft, seedAgent, seedCommands } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';

/**
 * A command that finds its agent full is held back by the dispatcher, and
 * offered again as soon as a report ends one of the agent's attempts: not
 * after SATURATED_RETRY_MS. The retry delay is set far above what the test
 * waits, so only the report can have released it.
 */
const RETRY_MS = 8_000;
const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

describe('saturated commands (dispatcher in-process, real Postgres and NATS JetStream)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let subjects: ReturnType<typeof subjectsFor>;
  const deliveries: { id: string; attempt: number; at: number }[] = [];

  beforeAll(async () => {
    t = await createTestEnv();
    subjects = subjectsFor(t.namespace);
    // One slot: concurrency 1, no prefetch.
    await seedAgent(t.pool, { id: 'full-agent', concurrency: 1 });
    const moduleRef = await Test.createTestingModule({
      imports: [
        DispatcherModule.forRoot(
          t.config('dispatcher', {
            SATURATED_RETRY_MS: String(RETRY_MS),
            DISPATCHER_ACK_WAIT_MS: String(4 * RETRY_MS),
            DISPATCH_PREFETCH: '1',
          }),
        ),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
    await app.init();
    nc = await connect({ servers: t.natsUrl });
    js = jetstream(nc);
    // The agent's side of deliveries: record each one.
    nc.subscribe(subjects.deliver('full-agent'), {
      callback: (err, msg: Msg) => {
        if (err) return;
        const d = msg.json<{ id: string; attempt: number }>();
        deliveries.push({ id: d.id, attempt: d.attempt, at: Date.now() });
      },
    });
    await nc.flush();
  });

  afterAll(async () => {
    await nc?.close();
    await app?.close();
    await t?.teardown();
  });

  it('a held command goes to the agent when its attempt in hand succeeds, long before the retry delay', async () => {
    const submit = (key: string) =>
      js.publish(subjects.submitToAgent('full-agent'), json({ type: 'echo', payload: { key } }), { msgID: key });
    await submit('first');
    const [first] = await waitFor('the first delivery', () => (deliveries.length === 1 ? deliveries : undefined));
    await submit('second');
    // The second finds the only slot taken: it is recorded, and not delivered while the first runs.
    await new Promise((r) => setTimeout(r, 500));
    expect(deliveries).toHaveLength(1);
    const { rows: waiting } = await t.pool.query<{ state: string }>(
      `SELECT state FROM commands WHERE payload->>'key' = 'second'`,
    );
    expect(waiting).toEqual([{ state: 'queued' }]);

    const reportedAt = Date.now();
    await js.publish(
      subjects.report('full-agent'),
      json({ kind: 'succeeded', commandId: first.id, attempt: first.attempt, result: { ok: true } }),
    );
    const second = await waitFor('the second delivery', () => deliveries.find((d) => d.id !== first.id), {
      timeoutMs: RETRY_MS - 1_000,
    });
    expect(second.at - reportedAt).toBeLessThan(RETRY_MS / 4);
    const { rows } = await t.pool.query<{ state: string; assigned_agent: string }>(
      `SELECT state, assigned_agent FROM commands WHERE id = $1`,
      [second.id],
    );
    expect(rows[0]).toEqual({ state: 'dispatched', assigned_agent: 'full-agent' });
  });

  it('a saturated repeat of a recorded command names the row it repeats, for the consumer to hold', async () => {
    await seedAgent(t.pool, { id: 'busy-agent', concurrency: 1 });
    const [running] = await seedCommands(t.pool, 1, { target: 'busy-agent' });
    await t.pool.query(
      `UPDATE commands SET state = 'running', attempt = 1, assigned_agent = 'busy-agent' WHERE id = $1`,
      [running.id],
    );
    const dispatch = app.get(DispatchService);
    const submit = (id?: string) =>
      dispatch.dispatch([
        {
          kind: 'new',
          draft: draft({ ...(id ? { id } : {}), target: 'busy-agent', caller: 'nats', idempotencyKey: 'rk' }),
        },
      ]);
    const first = await submit();
    const [recorded] = (
      await t.pool.query<{ id: string; state: string }>(`SELECT id, state FROM commands WHERE idempotency_key = 'rk'`)
    ).rows;
    expect(recorded.state).toBe('queued');
    expect(first.dispositions).toEqual([{ kind: 'retry-later', reason: 'saturated', commandId: recorded.id }]);
    // A repeat (same key, another draft id) is offered as the recorded row: it is that row the consumer holds.
    const repeat = await submit('0190a0b2-7c3d-7e4f-8a9b-000000000001');
    expect(repeat.dispositions).toEqual([{ kind: 'retry-later', reason: 'saturated', commandId: recorded.id }]);
  });
});
