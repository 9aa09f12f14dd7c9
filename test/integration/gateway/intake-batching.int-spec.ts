import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { type CommandDraft, draftCommand } from '@switchyard/domain';
import { LEDGER_ID_HEADER, subjectsFor } from '@switchyard/messaging';
import request from 'supertest';
import { CommandIntake } from '../../../apps/gateway/src/commands/command-intake.service';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { bootGateway, mintClient } from './in-process-gateway';

/**
 * The gateway shares one insert among the requests of one turn of the event
 * loop. These check what sharing must not change: each request gets its own
 * row, a repeated key inserts once, and one bad row fails only its request.
 */
describe('command intake: concurrent requests share an insert', () => {
  let t: TestEnv;
  let app: INestApplication;
  let intake: CommandIntake;

  beforeAll(async () => {
    t = await createTestEnv();
    app = await bootGateway(t);
    intake = app.get(CommandIntake);
  });

  afterAll(async () => {
    await app?.close();
    await t?.teardown();
  });

  function draft(extra: { idempotencyKey?: string; parentId?: string } = {}): CommandDraft {
    const drafted = draftCommand(
      { type: 'echo', payload: { n: 1 }, ...extra },
      {
        id: randomUUID(),
        target: { kind: 'pool', name: 'batch' },
        caller: 'client:batch-spec',
        defaults: t.config('gateway').commandDefaults,
        now: new Date(),
      },
    );
    if (!drafted.ok) throw new Error(drafted.message);
    return drafted.draft;
  }

  it('records each draft of one turn, in one statement (one created_at), each request with its own row', async () => {
    const drafts = Array.from({ length: 20 }, () => draft());
    const recorded = await Promise.all(drafts.map((d) => intake.record(d)));
    expect(recorded.map((r) => r.row.id)).toEqual(drafts.map((d) => d.id));
    expect(recorded.every((r) => !r.replayed && r.row.state === 'queued')).toBe(true);
    expect(new Set(recorded.map((r) => r.row.created_at.getTime())).size).toBe(1);
  });

  it('the same idempotency key twice in one turn inserts once; the other is a replay of it', async () => {
    const key = `twice-${randomUUID()}`;
    const [a, b] = await Promise.all([
      intake.record(draft({ idempotencyKey: key })),
      intake.record(draft({ idempotencyKey: key })),
    ]);
    expect(a.row.id).toBe(b.row.id);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM commands WHERE idempotency_key = $1`, [key]);
    expect(rows[0].n).toBe(1);
  });

  it('a row the database refuses fails its own request only', async () => {
    const good = Array.from({ length: 5 }, () => draft());
    // A parent that does not exist breaks the foreign key: the shared statement fails, then each is tried alone.
    const bad = draft({ parentId: randomUUID() });
    const outcomes = await Promise.allSettled([...good, bad].map((d) => intake.record(d)));
    expect(outcomes.slice(0, 5).map((o) => o.status)).toEqual(Array(5).fill('fulfilled'));
    expect(outcomes[5]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: '23503' }) });
    const { rows } = await t.pool.query<{ id: string }>(`SELECT id FROM commands WHERE id = ANY($1::uuid[])`, [
      [...good, bad].map((d) => d.id),
    ]);
    expect(rows.map((r) => r.id).sort()).toEqual(good.map((d) => d.id).sort());
  });

  it("publishes each command's submit event before its offer, so no claim can precede the submit", async () => {
    const subjects = subjectsFor(t.namespace);
    const nc = await connect({ servers: t.natsUrl });
    const seen: string[] = [];
    try {
      // One subscriber sees one publisher's messages in the order they were published.
      nc.subscribe(subjects.commandEventsAll, {
        callback: (_err, m) => void seen.push(`event ${m.subject.split('.').pop()}`),
      });
      nc.subscribe(subjects.submitToPool('batch'), {
        callback: (_err, m) => void seen.push(`offer ${m.headers?.get(LEDGER_ID_HEADER)}`),
      });
      await nc.flush();
      const drafts = Array.from({ length: 10 }, () => draft());
      await Promise.all(drafts.map((d) => intake.record(d)));
      await nc.flush();
      for (const d of drafts) {
        const event = seen.indexOf(`event ${d.id}`);
        expect({ id: d.id, event: event >= 0, eventFirst: event < seen.indexOf(`offer ${d.id}`) }).toEqual({
          id: d.id,
          event: true,
          eventFirst: true,
        });
      }
    } finally {
      await nc.close();
    }
  });

  it('over HTTP, 64 concurrent submits are 64 commands, each answered with its own id', async () => {
    const { apiKey } = await mintClient(app, 'batch-http');
    const server = app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const answers = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        request(server)
          .post('/v1/commands')
          .set('authorization', `Bearer ${apiKey}`)
          .send({ target: { pool: 'batch' }, type: 'echo', payload: { i } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(64).fill(202));
    const ids = answers.map((a) => (a.body as { id: string }).id);
    expect(new Set(ids).size).toBe(64);
    const { rows } = await t.pool.query<{ id: string; i: number }>(
      `SELECT id, (payload->>'i')::int AS i FROM commands WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    // Each answer names the row holding that request's own payload.
    expect(new Map(rows.map((r) => [r.id, r.i]))).toEqual(new Map(ids.map((id, i) => [id, i])));
  });
});
