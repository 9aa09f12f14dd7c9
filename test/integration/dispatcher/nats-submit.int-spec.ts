import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { consumersFor, LEDGER_ID_HEADER, streamsFor, subjectsFor } from '@switchyard/messaging';
import { register } from 'prom-client';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { seedAgent } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';

/**
 * Submissions straight over NATS (DESIGN "Submit (NATS)"): the dispatcher
 * upserts the ledger row from the message, Nats-Msg-Id (or the body's
 * idempotencyKey) being the idempotency key; malformed input is terminated,
 * never redelivered. No agent is registered, so every valid command parks.
 */
const MAX_PAYLOAD_BYTES = 2048;
const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

describe('NATS submissions (dispatcher in-process, real Postgres and NATS JetStream)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let subjects: ReturnType<typeof subjectsFor>;
  let stream: string;
  let durable: string;
  let terminations: Subscription;
  const terminated = new Set<number>();

  async function rowsFor(where: string, params: unknown[]) {
    const { rows } = await t.pool.query(`SELECT * FROM commands WHERE ${where}`, params);
    return rows;
  }

  async function commandCount(): Promise<number> {
    const { rows } = await t.pool.query<{ n: string }>('SELECT count(*) AS n FROM commands');
    return Number(rows[0].n);
  }

  /** Polls for `ms`, failing at once if the count ever moves away from `expected`. */
  async function staysAt(what: string, count: () => Promise<number>, expected: number, ms = 1_000): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      expect({ what, count: await count() }).toEqual({ what, count: expected });
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A counter of the dispatcher's (it runs in this process, on the default registry). */
  async function counterValue(name: string): Promise<number> {
    const metric = register.getSingleMetric(name);
    return metric ? ((await metric.get()).values[0]?.value ?? 0) : 0;
  }

  /** Resolves once the dispatcher's consumer has been handed, and has settled, every message up to `seq`. */
  async function consumed(seq: number) {
    return waitFor(`the dispatcher to settle stream seq ${seq}`, async () => {
      const info = await jsm.consumers.info(stream, durable);
      return info.ack_floor.stream_seq >= seq && info.num_ack_pending === 0 && info.num_pending === 0
        ? info
        : undefined;
    });
  }

  beforeAll(async () => {
    t = await createTestEnv();
    subjects = subjectsFor(t.namespace);
    stream = streamsFor(t.namespace).commands;
    durable = consumersFor(t.namespace).dispatcherCommands;
    const moduleRef = await Test.createTestingModule({
      imports: [
        DispatcherModule.forRoot(
          // The fleet is remembered for the whole file, so a test can change it behind the dispatcher's back.
          t.config('dispatcher', { MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES), DISPATCH_AGENT_VIEW_MS: '600000' }),
        ),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
    await app.init();
    nc = await connect({ servers: t.natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    terminations = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${stream}.${durable}`, {
      callback: (err, msg) => {
        if (!err) terminated.add(msg.json<{ stream_seq: number }>().stream_seq);
      },
    });
    await nc.flush();
  });

  afterAll(async () => {
    terminations?.unsubscribe();
    await nc?.close();
    await app?.close();
    await t?.teardown();
  });

  it('the same Nats-Msg-Id published 50 times at once: one stored message, one ledger row, parked', async () => {
    const acks = await Promise.all(
      Array.from({ length: 50 }, () =>
        js.publish(subjects.submitToPool('p'), json({ type: 'echo', payload: {} }), { msgID: 'svc-dup-1' }),
      ),
    );
    expect(acks.filter((a) => !a.duplicate)).toHaveLength(1);
    const rows = await waitFor('the ledger row', async () => {
      const found = await rowsFor(`caller = 'nats' AND idempotency_key = $1`, ['svc-dup-1']);
      return found.length ? found : undefined;
    });
    await staysAt(
      'rows for svc-dup-1',
      async () => (await rowsFor(`caller = 'nats' AND idempotency_key = $1`, ['svc-dup-1'])).length,
      1,
    );
    expect(rows[0]).toMatchObject({ target_kind: 'pool', target: 'p', type: 'echo', payload: {}, state: 'queued' });
    await waitFor('the pool command to be parked (no member is live)', async () => {
      const { rows: parked } = await t.pool.query(
        `SELECT 1 FROM commands WHERE id = $1 AND available_at = 'infinity'::timestamptz`,
        [rows[0].id],
      );
      return parked.length === 1;
    });
    const { rows: events } = await t.pool.query('SELECT event, to_state FROM command_events WHERE command_id = $1', [
      rows[0].id,
    ]);
    expect(events).toEqual([{ event: 'submit', to_state: 'queued' }]);
  });

  it('two message ids with the same body idempotencyKey: one row', async () => {
    const body = { type: 'echo', payload: { v: 1 }, idempotencyKey: 'svc-key-2' };
    const a = await js.publish(subjects.submitToPool('p'), json(body), { msgID: 'svc-msg-2a' });
    const b = await js.publish(subjects.submitToPool('p'), json(body), { msgID: 'svc-msg-2b' });
    expect([a.duplicate, b.duplicate]).toEqual([false, false]);
    await consumed(b.seq);
    await staysAt(
      'rows for svc-key-2',
      async () => (await rowsFor(`caller = 'nats' AND idempotency_key = $1`, ['svc-key-2'])).length,
      1,
    );
  });

  it('50 distinct message ids with one body idempotencyKey, at once: one row', async () => {
    const body = { type: 'echo', payload: { v: 50 }, idempotencyKey: 'svc-key-50' };
    const acks = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        js.publish(subjects.submitToPool('p'), json(body), { msgID: `svc-50-${i}` }),
      ),
    );
    expect(acks.filter((a) => a.duplicate)).toHaveLength(0);
    await consumed(Math.max(...acks.map((a) => a.seq)));
    await staysAt(
      'rows for svc-key-50',
      async () => (await rowsFor(`caller = 'nats' AND idempotency_key = $1`, ['svc-key-50'])).length,
      1,
    );
    const info = await jsm.consumers.info(stream, durable);
    expect(info.num_redelivered).toBe(0);
  });

  it('a command for an agent that is not connected stays queued, parked at available_at = infinity', async () => {
    const ack = await js.publish(subjects.submitToAgent('ghost'), json({ type: 'echo' }), { msgID: 'svc-ghost' });
    await consumed(ack.seq);
    const { rows } = await t.pool.query(
      `SELECT state, target_kind, target, attempt, assigned_agent, available_at = 'infinity'::timestamptz AS parked
       FROM commands WHERE caller = 'nats' AND idempotency_key = 'svc-ghost'`,
    );
    expect(rows).toEqual([
      { state: 'queued', target_kind: 'agent', target: 'ghost', attempt: 0, assigned_agent: null, parked: true },
    ]);
    await staysAt(
      'ghost command still queued',
      async () => (await rowsFor(`idempotency_key = 'svc-ghost' AND state = 'queued'`, [])).length,
      1,
    );
  });

  it('50 message ids with one idempotencyKey for a live pool: one row, claimed as it is inserted, delivered once', async () => {
    await seedAgent(t.pool, { id: 'live-1', pools: ['live-pool'], concurrency: 4 });
    const deliveries: { id: string; attempt: number }[] = [];
    const inbox = nc.subscribe(subjects.deliver('live-1'), {
      callback: (err, msg) => {
        if (err) return;
        deliveries.push(msg.json<{ id: string; attempt: number }>());
        msg.respond();
      },
    });
    await nc.flush();
    try {
      const body = { type: 'echo', payload: { v: 'live' }, idempotencyKey: 'svc-live' };
      const acks = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          js.publish(subjects.submitToPool('live-pool'), json(body), { msgID: `svc-live-${i}` }),
        ),
      );
      await consumed(Math.max(...acks.map((a) => a.seq)));
      const rows = await rowsFor(`caller = 'nats' AND idempotency_key = 'svc-live'`, []);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ state: 'dispatched', attempt: 1, assigned_agent: 'live-1' });
      await staysAt('deliveries of svc-live', () => Promise.resolve(deliveries.length), 1, 500);
      expect(deliveries).toEqual([expect.objectContaining({ id: rows[0].id, attempt: 1 })]);
      const { rows: events } = await t.pool.query(
        'SELECT event, from_state, to_state, attempt, agent_id FROM command_events WHERE command_id = $1 ORDER BY id',
        [rows[0].id],
      );
      expect(events).toEqual([
        { event: 'submit', from_state: null, to_state: 'queued', attempt: 0, agent_id: null },
        { event: 'claim', from_state: 'queued', to_state: 'dispatched', attempt: 1, agent_id: 'live-1' },
      ]);
    } finally {
      inbox.unsubscribe();
    }
  });

  it('a remembered agent that went offline is not claimed for: the ledger refuses, a live member gets it once', async () => {
    const deliveries: Record<string, string[]> = { 'mem-a': [], 'mem-b': [] };
    const inboxes = Object.keys(deliveries).map((agentId) =>
      nc.subscribe(subjects.deliver(agentId), {
        callback: (err, msg) => {
          if (err) return;
          deliveries[agentId].push(msg.json<{ id: string }>().id);
          msg.respond();
        },
      }),
    );
    await nc.flush();
    try {
      await seedAgent(t.pool, { id: 'mem-a', pools: ['mem-pool'], concurrency: 4 });
      const first = await js.publish(subjects.submitToPool('mem-pool'), json({ type: 'echo' }), { msgID: 'svc-mem-1' });
      const deliveredBefore = (await consumed(first.seq)).delivered.consumer_seq;
      const [one] = await rowsFor(`caller = 'nats' AND idempotency_key = 'svc-mem-1'`, []);
      expect(one).toMatchObject({ state: 'dispatched', assigned_agent: 'mem-a' });

      // Behind the dispatcher's back: mem-a leaves, mem-b joins. The dispatcher still remembers only mem-a.
      await t.pool.query(`UPDATE agents SET status = 'offline' WHERE id = 'mem-a'`);
      await seedAgent(t.pool, { id: 'mem-b', pools: ['mem-pool'], concurrency: 4 });
      const unadmittedBefore = await counterValue('switchyard_claims_unadmitted_total');
      const second = await js.publish(subjects.submitToPool('mem-pool'), json({ type: 'echo' }), {
        msgID: 'svc-mem-2',
      });
      const two = await waitFor('the second command claimed', async () => {
        const [row] = await rowsFor(`caller = 'nats' AND idempotency_key = 'svc-mem-2' AND state = 'dispatched'`, []);
        return row;
      });
      expect(two).toMatchObject({ attempt: 1, assigned_agent: 'mem-b' });
      // The ledger refused the claim for mem-a; the row was offered again in the same batch, not redelivered.
      expect((await counterValue('switchyard_claims_unadmitted_total')) - unadmittedBefore).toBe(1);
      // One delivery of the one message: it was acked the first time, not nak'ed for a retry.
      expect((await consumed(second.seq)).delivered.consumer_seq).toBe(deliveredBefore + 1);
      await staysAt('deliveries to mem-b', () => Promise.resolve(deliveries['mem-b'].length), 1, 500);
      expect(deliveries).toEqual({ 'mem-a': [one.id], 'mem-b': [two.id] });
      const { rows: events } = await t.pool.query(
        'SELECT event, to_state, attempt, agent_id FROM command_events WHERE command_id = $1 ORDER BY id',
        [two.id],
      );
      expect(events).toEqual([
        { event: 'submit', to_state: 'queued', attempt: 0, agent_id: null },
        { event: 'claim', to_state: 'dispatched', attempt: 1, agent_id: 'mem-b' },
      ]);
    } finally {
      for (const inbox of inboxes) inbox.unsubscribe();
    }
  });

  it('a delivery that finds no subscriber hands the attempt back at once and takes the agent offline', async () => {
    // Live in the ledger, but nobody listens on its delivery subject (its process died without a word).
    await seedAgent(t.pool, { id: 'vanished-1', pools: ['vanished-pool'], concurrency: 4 });
    const ack = await js.publish(subjects.submitToPool('vanished-pool'), json({ type: 'echo' }), {
      msgID: 'svc-vanished',
    });
    await consumed(ack.seq);
    const [row] = await rowsFor(`caller = 'nats' AND idempotency_key = 'svc-vanished'`, []);
    const events = await waitFor('the release', async () => {
      const { rows } = await t.pool.query(
        'SELECT event, to_state, attempt, agent_id, data FROM command_events WHERE command_id = $1 ORDER BY id',
        [row.id],
      );
      return rows.some((e) => e.event === 'release') ? rows : undefined;
    });
    expect(events.map((e) => [e.event, e.to_state, e.attempt])).toEqual([
      ['submit', 'queued', 0],
      ['claim', 'dispatched', 1],
      ['release', 'queued', 1],
    ]);
    expect(events[2]).toMatchObject({ agent_id: 'vanished-1', data: { reason: 'no subscriber' } });
    const { rows: agent } = await t.pool.query(`SELECT status FROM agents WHERE id = 'vanished-1'`);
    expect(agent).toEqual([{ status: 'offline' }]);
    // Offered again with no live member left, it waits parked for one to connect.
    await waitFor('the released command to be parked', async () => {
      const [again] = await rowsFor(`id = $1 AND state = 'queued' AND available_at = 'infinity'::timestamptz`, [
        row.id,
      ]);
      return again !== undefined;
    });
  });

  describe('malformed submissions: no row, terminated, never redelivered', () => {
    type Case = {
      name: string;
      subject: (s: ReturnType<typeof subjectsFor>, ns: string) => string;
      data: Uint8Array;
      header?: [string, string];
    };
    const toPool: Case['subject'] = (s) => s.submitToPool('p');
    const cases: Case[] = [
      { name: 'invalid JSON', subject: toPool, data: enc.encode('{"type":') },
      {
        name: 'invalid UTF-8 inside a JSON string',
        subject: toPool,
        data: new Uint8Array([...enc.encode('{"type":"echo","payload":"'), 0xff, 0xfe, ...enc.encode('"}')]),
      },
      { name: 'a body that is a JSON array', subject: toPool, data: json([{ type: 'echo' }]) },
      { name: 'a body that is JSON null', subject: toPool, data: enc.encode('null') },
      { name: 'an empty body', subject: toPool, data: new Uint8Array() },
      { name: 'a body without type', subject: toPool, data: json({ payload: {} }) },
      { name: 'an unknown field', subject: toPool, data: json({ type: 'echo', colour: 'red' }) },
      { name: 'a type with a space', subject: toPool, data: json({ type: 'two words' }) },
      { name: 'maxAttempts 0', subject: toPool, data: json({ type: 'echo', maxAttempts: 0 }) },
      { name: 'mode sync on a submit subject', subject: toPool, data: json({ type: 'echo', mode: 'sync' }) },
      {
        name: 'a deadline in the past',
        subject: toPool,
        data: json({ type: 'echo', deadline: new Date(Date.now() - 60_000).toISOString() }),
      },
      {
        name: 'a payload over MAX_PAYLOAD_BYTES',
        subject: toPool,
        data: json({ type: 'echo', payload: 'x'.repeat(MAX_PAYLOAD_BYTES + 1) }),
      },
      {
        name: 'a ledger-id header that is not a UUID',
        subject: toPool,
        data: new Uint8Array(),
        header: [LEDGER_ID_HEADER, 'not-a-uuid'],
      },
      {
        name: 'an empty agent token (`<ns>.cmd.submit.agent.`)',
        subject: (_, ns) => `${ns}.cmd.submit.agent.`,
        data: json({ type: 'echo' }),
      },
      {
        name: 'an extra subject token',
        subject: (_, ns) => `${ns}.cmd.submit.agent.a.b`,
        data: json({ type: 'echo' }),
      },
      { name: 'an unknown target kind', subject: (_, ns) => `${ns}.cmd.submit.robot.r1`, data: json({ type: 'echo' }) },
      {
        name: 'a pool name with uppercase',
        subject: (_, ns) => `${ns}.cmd.submit.pool.BadPool`,
        data: json({ type: 'echo' }),
      },
      {
        name: 'an agent id with uppercase',
        subject: (_, ns) => `${ns}.cmd.submit.agent.Agent1`,
        data: json({ type: 'echo' }),
      },
      {
        name: 'a pool name of 64 chars',
        subject: (_, ns) => `${ns}.cmd.submit.pool.${'p'.repeat(64)}`,
        data: json({ type: 'echo' }),
      },
    ];

    /** Per case: the stream sequence it was stored at, or the server's refusal. */
    const outcomes = new Map<string, { seq: number } | { refused: string }>();
    let before: number;

    beforeAll(async () => {
      before = await commandCount();
      for (const c of cases) {
        const h = headers();
        if (c.header) h.set(c.header[0], c.header[1]);
        try {
          const ack = await js.publish(c.subject(subjects, t.namespace), c.data, {
            msgID: `bad-${c.name}`,
            headers: h,
          });
          outcomes.set(c.name, { seq: ack.seq });
        } catch (err) {
          outcomes.set(c.name, { refused: String(err) });
        }
      }
      const last = Math.max(...[...outcomes.values()].map((o) => ('seq' in o ? o.seq : 0)));
      await waitFor('every malformed message to reach the dispatcher', async () => {
        const info = await jsm.consumers.info(stream, durable);
        return info.delivered.stream_seq >= last && info.num_pending === 0;
      });
      // Room for the batch to be handled and the advisories to arrive.
      // (A message left unsettled is what the tests below report, so a timeout here is not a failure.)
      await waitFor(
        'the batch to settle',
        async () => {
          const info = await jsm.consumers.info(stream, durable);
          return info.num_ack_pending === 0 || undefined;
        },
        { timeoutMs: 3_000 },
      ).catch(() => undefined);
    });

    it.each(cases)('$name: no row, and terminated (or refused by the server)', async ({ name }) => {
      const outcome = outcomes.get(name)!;
      if ('refused' in outcome) {
        // No stream takes the subject: the server refuses the publish (503 no responders).
        expect(outcome.refused).toMatch(/no responders|not enabled|503/i);
        return;
      }
      // Without a body idempotencyKey, the Nats-Msg-Id is the ledger's idempotency key.
      const rows = await rowsFor('idempotency_key = $1', [`bad-${name}`]);
      expect(rows.map((r) => ({ target: r.target, type: r.type, state: r.state }))).toEqual([]);
      await waitFor(`a termination advisory for stream seq ${outcome.seq}`, () => terminated.has(outcome.seq), {
        timeoutMs: 2_000,
      });
    });

    it('none of them created a row', async () => {
      await staysAt('commands', commandCount, before, 1_000);
    });

    it('nothing is left pending or redelivered on the dispatcher consumer', async () => {
      const settle = Date.now() + 1_500;
      while (Date.now() < settle) {
        const info = await jsm.consumers.info(stream, durable);
        expect({
          ackPending: info.num_ack_pending,
          redelivered: info.num_redelivered,
          pending: info.num_pending,
        }).toEqual({ ackPending: 0, redelivered: 0, pending: 0 });
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    it('a valid message right after them is still recorded and acked, not terminated', async () => {
      const ack = await js.publish(subjects.submitToPool('after-bad'), json({ type: 'echo' }), { msgID: 'svc-after' });
      await waitFor('the valid command', async () => (await rowsFor(`idempotency_key = 'svc-after'`, [])).length === 1);
      // Work-queue stream: an acked message is removed (getMessage answers null).
      await waitFor('its ack', async () => (await jsm.streams.getMessage(stream, { seq: ack.seq })) === null);
      expect(terminated.has(ack.seq)).toBe(false);
    });
  });
});
