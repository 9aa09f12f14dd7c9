import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { consumersFor, EVENT_CAUSE_HEADER, streamsFor, subjectsFor } from '@switchyard/messaging';
import { insertTrigger, NewTrigger } from '@switchyard/persistence';
import { v7 as uuidv7 } from 'uuid';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { IncomingEvent, TriggerService } from '../../../apps/dispatcher/src/trigger.service';
import { seedCommands } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';

/**
 * Events fire triggers exactly once per (trigger, event): two dispatcher
 * replicas share the events durable, JetStream de-duplicates a republished
 * Nats-Msg-Id, and the ledger's unique (caller, idempotency key) absorbs
 * everything else (a redelivery, a second replica processing the same event).
 */
const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

describe('trigger firing (two dispatchers in-process, real Postgres and NATS JetStream)', () => {
  let t: TestEnv;
  let replicas: INestApplication[];
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let subjects: ReturnType<typeof subjectsFor>;

  async function trigger(fields: Partial<NewTrigger> = {}): Promise<string> {
    const row = await insertTrigger(
      t.pool,
      {
        id: uuidv7(),
        subject_pattern: 'orders.*',
        target_kind: 'pool',
        target: 'billing',
        type: 'invoice.create',
        payload_template: null,
        options: {},
        caller: 'client:test',
        ...fields,
      },
      new Date(),
    );
    return row.id;
  }

  async function commandsOf(triggerId: string) {
    const { rows } = await t.pool.query(`SELECT * FROM commands WHERE caller = $1 ORDER BY idempotency_key, id`, [
      `trigger:${triggerId}`,
    ]);
    return rows;
  }

  /** Resolves once the shared durable has settled every event up to `seq`. */
  async function consumed(seq: number) {
    const stream = streamsFor(t.namespace).events;
    const durable = consumersFor(t.namespace).dispatcherEvents;
    await waitFor(`events up to seq ${seq} settled`, async () => {
      const info = await jsm.consumers.info(stream, durable);
      return info.ack_floor.stream_seq >= seq && info.num_ack_pending === 0 && info.num_pending === 0;
    });
  }

  async function bootDispatcher(): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [DispatcherModule.forRoot(t.config('dispatcher', { DISPATCHER_ACK_WAIT_MS: '1000' }))],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
    await app.init();
    return app;
  }

  beforeAll(async () => {
    t = await createTestEnv();
    subjects = subjectsFor(t.namespace);
    replicas = [await bootDispatcher(), await bootDispatcher()];
    nc = await connect({ servers: t.natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close();
    for (const app of replicas ?? []) await app.close();
    await t?.teardown();
  });

  beforeEach(async () => {
    await t.pool.query('TRUNCATE commands, triggers CASCADE');
  });

  it('an event fires each matching trigger once, with the templated payload, one level deep', async () => {
    const any = await trigger();
    const exact = await trigger({
      subject_pattern: 'orders.created',
      target_kind: 'agent',
      target: 'mailer',
      type: 'mail.send',
      payload_template: { order: '{{data.id}}', text: 'order {{data.id}} on {{subject}}' },
    });
    const other = await trigger({ subject_pattern: 'payments.>' });

    const ack = await js.publish(subjects.event('orders.created'), json({ id: 42 }), { msgID: 'evt-created-42' });
    await consumed(ack.seq);

    const [fromAny] = await commandsOf(any);
    const [fromExact] = await commandsOf(exact);
    expect(await commandsOf(any)).toHaveLength(1);
    expect(await commandsOf(exact)).toHaveLength(1);
    expect(await commandsOf(other)).toHaveLength(0);
    expect(fromAny).toMatchObject({
      target_kind: 'pool',
      target: 'billing',
      type: 'invoice.create',
      payload: { id: 42 },
      idempotency_key: 'evt-created-42',
      state: 'queued',
      depth: 1,
      parent_id: null,
      mode: 'async',
    });
    expect(fromExact).toMatchObject({
      target_kind: 'agent',
      target: 'mailer',
      payload: { order: 42, text: 'order 42 on orders.created' },
      depth: 1,
    });
    const { rows: events } = await t.pool.query(`SELECT event, to_state FROM command_events WHERE command_id = $1`, [
      fromAny.id,
    ]);
    expect(events).toEqual([{ event: 'submit', to_state: 'queued' }]);
  });

  it('the same event published twice (same Nats-Msg-Id): one command per trigger', async () => {
    const id = await trigger();
    const acks = await Promise.all(
      Array.from({ length: 20 }, () => js.publish(subjects.event('orders.paid'), json({ n: 1 }), { msgID: 'evt-dup' })),
    );
    expect(acks.filter((a) => !a.duplicate)).toHaveLength(1);
    await consumed(Math.max(...acks.map((a) => a.seq)));
    expect(await commandsOf(id)).toHaveLength(1);
  });

  it('100 events over two replicas: exactly one command per (trigger, event)', async () => {
    const a = await trigger();
    const b = await trigger({ subject_pattern: 'orders.>' });
    const acks = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        js.publish(subjects.event(`orders.n${i % 5}`), json({ i }), { msgID: `evt-many-${i}` }),
      ),
    );
    await consumed(Math.max(...acks.map((x) => x.seq)));
    for (const triggerId of [a, b]) {
      const rows = await commandsOf(triggerId);
      expect(rows).toHaveLength(100);
      expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(100);
    }
  });

  it('an event processed again, by both replicas at once (a redelivery), creates nothing more', async () => {
    const id = await trigger();
    const ack = await js.publish(subjects.event('orders.shipped'), json({ s: 1 }), { msgID: 'evt-redeliver' });
    await consumed(ack.seq);
    expect(await commandsOf(id)).toHaveLength(1);

    const again: IncomingEvent = {
      id: 'evt-redeliver',
      subject: 'orders.shipped',
      data: { s: 1 },
      causeCommandId: null,
      deadLetterId: null,
    };
    const inserted = await Promise.all(replicas.map((app) => app.get(TriggerService).fire([again, again])));
    expect(inserted.flat()).toEqual([]);
    expect(await commandsOf(id)).toHaveLength(1);
  });

  it('an event without a message id is keyed by its place in the stream; its cause makes it one deeper', async () => {
    const id = await trigger();
    const [cause] = await seedCommands(t.pool, 1, { depth: 3 });
    const h = headers();
    h.set(EVENT_CAUSE_HEADER, cause.id);
    const ack = await js.publish(subjects.event('orders.caused'), json(null), { headers: h });
    await consumed(ack.seq);
    const [row] = await commandsOf(id);
    expect(row).toMatchObject({ depth: 4, parent_id: cause.id, payload: null, state: 'queued' });
    expect(row.idempotency_key).toMatch(new RegExp(`^stream:${streamsFor(t.namespace).events}:${ack.seq}:\\d+$`));
  });

  it('a trigger deleted before the event is processed does not fire', async () => {
    const id = await trigger();
    await t.pool.query('UPDATE triggers SET deleted_at = now() WHERE id = $1', [id]);
    const ack = await js.publish(subjects.event('orders.late'), json({}), { msgID: 'evt-deleted' });
    await consumed(ack.seq);
    expect(await commandsOf(id)).toHaveLength(0);
  });

  it('malformed events are terminated, not redelivered, and create nothing', async () => {
    const id = await trigger({ subject_pattern: '>' });
    const bad = await js.publish(subjects.event('orders.bad'), enc.encode('{not json'), { msgID: 'evt-bad-json' });
    const h = headers();
    h.set(EVENT_CAUSE_HEADER, 'not-a-uuid');
    const badCause = await js.publish(subjects.event('orders.bad'), json({}), { msgID: 'evt-bad-cause', headers: h });
    await consumed(Math.max(bad.seq, badCause.seq));
    expect(await commandsOf(id)).toHaveLength(0);
  });
});
