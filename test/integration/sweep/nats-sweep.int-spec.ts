import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { consumersFor, LEDGER_ID_HEADER, streamsFor, subjectsFor, type Subjects } from '@switchyard/messaging';
import { claimForDispatch } from '@switchyard/persistence';
import { register } from 'prom-client';
import request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { seedCommands } from '../../support/fixtures';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';
import { bootGateway, mintAgent } from '../gateway/in-process-gateway';
import { deepJson, tableFingerprints, wrongTypeFor } from './sweep-support';

/**
 * Bad input on every subject the services consume: submissions and calls
 * (`<ns>.cmd.submit.…`, `<ns>.cmd.call.…`), agents' reports, sessions and
 * status (`<ns>.agent.<id>.report|session|status`). Every malformed message
 * must be a counted rejection: a JetStream message is terminated (its
 * MSG_TERMINATED advisory arrives, the rejection counter rises by one), a
 * call gets a 400 reply. Afterwards the durable consumers hold nothing and
 * redeliver nothing, every table is byte-identical, and good messages still
 * go through. Dispatcher and gateway run in this process; no orchestrator.
 */

const MAX_PAYLOAD_BYTES = 4096;
const ACK_WAIT_MS = 1_000;
const AGENT = 'nats-sweep-a';
const enc = new TextEncoder();

type Kind = 'submit' | 'submit-agent' | 'call' | 'call-agent' | 'report' | 'session' | 'status';

interface KindSpec {
  /** Where a well-formed message of this kind goes. */
  subject: (s: Subjects) => string;
  /** A body that passes validation; only broken copies of it are sent. */
  valid: (held: string) => Record<string, unknown>;
  required: string[];
  /** Fields (dot paths) with a closed set of values. */
  enums: string[];
  /** A bounded string field, to carry a payload near max_payload and a lone surrogate. */
  text: string;
  /** A field taking any JSON, to carry a deep document (else an extra field does). */
  anyJson?: string;
  /** Unknown fields are refused (submissions and calls); agents' messages ignore them by design. */
  strict: boolean;
  /** Subjects that parse as this kind's but name no valid target. */
  badSubjects: (s: Subjects, ns: string) => string[];
  /** Header sets that must be refused on an otherwise valid message. */
  badHeaders: [string, string][][];
}

const submitLike = {
  valid: () => ({
    type: 'sweep.x',
    payload: { n: 1 },
    maxAttempts: 2,
    ackTimeoutMs: 1_000,
    backoff: { kind: 'constant', baseMs: 10, maxMs: 10, jitter: false },
  }),
  required: ['type'],
  enums: ['backoff.kind'],
  text: 'payload',
  anyJson: 'payload',
  strict: true,
};

const KINDS: Record<Kind, KindSpec> = {
  'submit-agent': {
    ...submitLike,
    subject: (s) => s.submitToAgent(AGENT),
    enums: ['mode'],
    badSubjects: () => [],
    badHeaders: [],
  },
  submit: {
    ...submitLike,
    subject: (s) => s.submitToPool('sweep-pool'),
    enums: ['mode', 'backoff.kind'],
    badSubjects: (s, ns) => [
      `${s.submitPoolPrefix}Upper`,
      `${s.submitAgentPrefix}-leading-dash`,
      `${s.submitAgentPrefix}${'a'.repeat(64)}`,
      `${ns}.cmd.submit.agent`,
      `${ns}.cmd.submit.agent.a.b`,
      `${ns}.cmd.submit.queue.x`,
    ],
    badHeaders: [
      [[LEDGER_ID_HEADER, 'not-a-uuid']],
      [[LEDGER_ID_HEADER, 'x'.repeat(1_000)]],
      [['Nats-Msg-Id', 'x'.repeat(1_000)]],
    ],
  },
  'call-agent': {
    ...submitLike,
    subject: (s) => s.callToAgent(AGENT),
    enums: ['mode'],
    badSubjects: () => [],
    badHeaders: [],
  },
  call: {
    ...submitLike,
    subject: (s) => s.callToPool('sweep-pool'),
    enums: ['mode', 'backoff.kind'],
    badSubjects: (s, ns) => [
      `${s.callPoolPrefix}Upper`,
      `${s.callAgentPrefix}-leading-dash`,
      `${ns}.cmd.call.agent`,
      `${ns}.cmd.call.agent.a.b`,
      `${ns}.cmd.call.queue.x`,
    ],
    badHeaders: [[['Nats-Msg-Id', 'x'.repeat(1_000)]]],
  },
  report: {
    subject: (s) => s.report(AGENT),
    valid: (held) => ({ commandId: held, attempt: 1, kind: 'failed', error: { message: 'm' }, retryable: false }),
    required: ['commandId', 'attempt', 'kind', 'error'],
    enums: ['kind'],
    text: 'error.message',
    strict: false,
    badSubjects: (_s, ns) => [
      `${ns}.agent.Upper.report`,
      `${ns}.agent.-dash.report`,
      `${ns}.agent.${'a'.repeat(64)}.report`,
    ],
    badHeaders: [],
  },
  session: {
    subject: (s) => s.session(AGENT),
    valid: () => ({ kind: 'connect', sessionId: 's', name: 'n', pools: ['p'], concurrency: 1, transport: 'nats' }),
    required: ['kind', 'sessionId', 'pools', 'concurrency'],
    enums: ['kind', 'transport'],
    text: 'name',
    strict: false,
    badSubjects: (_s, ns) => [`${ns}.agent.Upper.session`, `${ns}.agent.-dash.session`],
    badHeaders: [],
  },
  status: {
    subject: (s) => s.status(AGENT),
    valid: (held) => ({
      phase: 'busy',
      activity: 'a',
      detail: 'd',
      commandId: held,
      sessionId: 's',
      at: '2026-01-01T00:00:00.000Z',
    }),
    required: ['phase', 'at'],
    enums: ['phase'],
    text: 'detail',
    strict: false,
    badSubjects: (_s, ns) => [`${ns}.agent.Upper.status`, `${ns}.agent.-dash.status`],
    badHeaders: [],
  },
};

interface NatsCase {
  kind: Kind;
  name: string;
  subject: string;
  data: Uint8Array;
  headers?: [string, string][];
}

function setPath(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  if (value === undefined) delete at[keys[keys.length - 1]];
  else at[keys[keys.length - 1]] = value;
  return copy;
}

/** Every malformed message of one kind. */
function casesFor(kind: Kind, s: Subjects, ns: string, held: string, maxPayload: number): NatsCase[] {
  const spec = KINDS[kind];
  const valid = spec.valid(held);
  const subject = spec.subject(s);
  const json = (body: unknown) => enc.encode(JSON.stringify(body));
  const raw = (text: string) => enc.encode(text);
  const text = (value: string) => json(setPath(valid, spec.text, value));
  // A string that makes the whole message a little under the server's max_payload.
  const huge = 'x'.repeat(maxPayload - 2_048);
  const deepField = spec.anyJson ?? 'sweepExtra';
  const deep = JSON.stringify(setPath(valid, deepField, '__DEEP__')).replace('"__DEEP__"', deepJson(10_000));
  const cases: Omit<NatsCase, 'kind'>[] = [
    { name: 'not JSON', subject, data: raw('hello') },
    { name: 'an empty message', subject, data: new Uint8Array() },
    { name: 'truncated JSON', subject, data: raw('{"type":') },
    { name: 'JSON null', subject, data: raw('null') },
    { name: 'a JSON array', subject, data: raw('[]') },
    { name: 'a JSON string', subject, data: raw('"text"') },
    { name: 'invalid UTF-8 bytes', subject, data: Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
    ...Object.keys(valid)
      .map((field) => ({
        name: `${field} of the wrong type`,
        subject,
        data: json({ ...valid, [field]: wrongTypeFor(valid[field]) }),
      }))
      .filter((c) => !c.name.startsWith(`${spec.anyJson} `)),
    ...spec.required.map((field) => ({
      name: `without ${field}`,
      subject,
      data: json(setPath(valid, field, undefined)),
    })),
    ...(spec.strict ? [{ name: 'an unknown field', subject, data: json({ ...valid, sweepUnknown: 1 }) }] : []),
    ...spec.enums.map((field) => ({
      name: `${field} not in its enum`,
      subject,
      data: json(setPath(valid, field, 'sweep-bogus')),
    })),
    { name: `${spec.text} near max_payload`, subject, data: text(huge) },
    {
      name: `a lone surrogate in ${spec.text}`,
      subject,
      data: raw(new TextDecoder().decode(text('__LONE__')).replace('__LONE__', 'x\\ud800y')),
    },
    { name: `${deepField} nested 10,000 deep`, subject, data: raw(deep) },
    ...spec
      .badSubjects(s, ns)
      .map((bad) => ({ name: `subject ${bad.slice(ns.length)}`, subject: bad, data: json(valid) })),
    ...spec.badHeaders.map((headers) => ({
      name: `header ${headers.map(([k, v]) => `${k}: ${v.slice(0, 20)}`).join(', ')}`,
      subject,
      data: json(valid),
      headers,
    })),
  ];
  return cases.map((c) => ({ ...c, kind }));
}

function counterValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return Promise.resolve(0);
  return Promise.resolve(metric.get()).then((m) =>
    m.values
      .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
      .reduce((sum, v) => sum + v.value, 0),
  );
}

const STREAM_OF: Record<Exclude<Kind, 'call' | 'call-agent'>, 'commands' | 'reports' | 'agentStatus'> = {
  submit: 'commands',
  'submit-agent': 'commands',
  report: 'reports',
  session: 'reports',
  status: 'agentStatus',
};

/**
 * Every subject of libs/messaging/src/subjects.ts, and how the sweep covers it. A subject added
 * there without an entry here fails the sweep.
 */
const SUBJECT_COVERAGE: Record<keyof Subjects, string> = {
  submitToAgent: 'swept (submit-agent)',
  submitToPool: 'swept (submit)',
  submitAll: 'the COMMANDS stream filter: swept through submitToAgent/submitToPool',
  submitAgentPrefix: 'swept (bad subject tokens)',
  submitPoolPrefix: 'swept (bad subject tokens)',
  callToAgent: 'swept (call-agent)',
  callToPool: 'swept (call)',
  callAll: 'the gateway call subscription: swept through callToAgent/callToPool',
  callAgentPrefix: 'swept (bad subject tokens)',
  callPoolPrefix: 'swept (bad subject tokens)',
  commandEvents: 'watched by the gateway only as a wake-up: garbage harms nothing',
  commandEventsAll: 'the COMMAND_EVENTS stream filter; no durable consumer',
  deliver: 'consumed by agents (SDK), not by a service',
  wake: 'watched by the gateway only as a wake-up: garbage harms nothing',
  report: 'swept (report)',
  reportAll: 'the REPORTS stream filter: swept through report',
  session: 'swept (session)',
  sessionAll: 'the REPORTS stream filter: swept through session',
  status: 'swept (status)',
  statusAll: 'the AGENT_STATUS stream filter: swept through status',
  agentPrefix: 'swept (bad subject tokens)',
  control: 'consumed by agents (SDK), not by a service',
  debateAnnounced: 'published by the orchestrator; no service consumes it',
  event: 'swept (events)',
  eventsAll: 'the EVENTS stream filter: swept through event',
  eventsPrefix: 'swept (bad subject tokens)',
  deadLetterEvent: 'swept (events: a dead-letter subject with a bad Switchyard-Dead-Letter header)',
};

/**
 * Domain events carry any JSON, so only what can never be an event is refused: bodies that are not
 * UTF-8 JSON a jsonb column can hold, bad subjects, and headers naming no command or dead letter.
 */
function eventCases(
  s: Subjects,
  ns: string,
): { name: string; subject: string; data: Uint8Array; headers?: [string, string][] }[] {
  const subject = s.event('sweep.happened');
  const ok = enc.encode(JSON.stringify({ n: 1 }));
  return [
    { name: 'invalid UTF-8', subject, data: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]) },
    { name: 'not JSON', subject, data: enc.encode('{"n": 1') },
    { name: 'JSON nested 10,000 deep', subject, data: enc.encode(deepJson(10_000)) },
    { name: 'an escaped lone surrogate', subject, data: enc.encode('{"n":"\\ud800"}') },
    { name: 'a cause that is not a command id', subject, data: ok, headers: [['Switchyard-Cause', 'not-a-uuid']] },
    {
      name: 'a dead-letter header that is not an id',
      subject: s.deadLetterEvent('sweep.x'),
      data: ok,
      headers: [['Switchyard-Dead-Letter', 'x'.repeat(40)]],
    },
    {
      name: 'a Nats-Msg-Id too long to be an idempotency key',
      subject,
      data: ok,
      headers: [['Nats-Msg-Id', 'x'.repeat(1_000)]],
    },
    {
      name: 'a subject of 17 tokens',
      subject: `${ns}.events.${Array.from({ length: 17 }, () => 'a').join('.')}`,
      data: ok,
    },
    { name: 'a subject token with a forbidden character', subject: `${ns}.events.sweep.a$b`, data: ok },
  ];
}

describe('bad-input sweep over NATS: every consumed subject × every malformed message', () => {
  let t: TestEnv;
  let gateway: INestApplication;
  let dispatcher: INestApplication;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let subjects: Subjects;
  let held: string;
  let maxPayload: number;
  let before: Record<string, string>;
  let advisories: Subscription;
  /** Stream sequences of terminated messages, by stream name. */
  const terminated = new Map<string, Set<number>>();

  const streams = () => streamsFor(t.namespace);
  const durables = () => {
    const c = consumersFor(t.namespace);
    return {
      commands: c.dispatcherCommands,
      reports: c.dispatcherReports,
      agentStatus: c.dispatcherStatus,
      events: c.dispatcherEvents,
    };
  };

  beforeAll(async () => {
    t = await createTestEnv({
      MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES),
      DISPATCHER_ACK_WAIT_MS: String(ACK_WAIT_MS),
    });
    subjects = subjectsFor(t.namespace);
    gateway = await bootGateway(t);
    const moduleRef = await Test.createTestingModule({
      imports: [DispatcherModule.forRoot(t.config('dispatcher'))],
    }).compile();
    dispatcher = moduleRef.createNestApplication({ logger: ['fatal'] });
    await dispatcher.init();
    nc = await connect({ servers: t.natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    maxPayload = nc.info!.max_payload;
    advisories = nc.subscribe('$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.>', {
      callback: (err, msg) => {
        if (err) return;
        const { stream, stream_seq } = msg.json<{ stream: string; stream_seq: number }>();
        if (!terminated.has(stream)) terminated.set(stream, new Set());
        terminated.get(stream)!.add(stream_seq);
      },
    });
    await nc.flush();
    await mintAgent(gateway, AGENT, { pools: ['sweep-pool'] });
    const [command] = await seedCommands(t.pool, 1, { target: AGENT });
    expect(await claimForDispatch(t.pool, [{ commandId: command.id, agentId: AGENT }], new Date())).toHaveLength(1);
    held = command.id;
    // A trigger on every sweep event: a malformed event that got through would create a command.
    const trigger = await request(gateway.getHttpServer())
      .post('/v1/triggers')
      .set('x-admin-key', TEST_ADMIN_KEY)
      .send({ subjectPattern: 'sweep.>', target: { pool: 'sweep-pool' }, type: 'sweep.triggered' });
    expect(trigger.status).toBe(201);
    before = await tableFingerprints(t.pool);
  });

  afterAll(async () => {
    advisories?.unsubscribe();
    await nc?.close();
    await dispatcher?.close();
    await gateway?.close();
    await t?.teardown();
  });

  it('every subject in subjects.ts has a coverage entry', () => {
    expect(Object.keys(subjectsFor('ns')).sort()).toEqual(Object.keys(SUBJECT_COVERAGE).sort());
  });

  // Subjects and the held command exist only once the env is up: the table is built from a stand-in
  // namespace (case names do not depend on it) and each case rebuilt for the real one when it runs.
  const KIND_NAMES = Object.keys(KINDS) as Kind[];
  const sample = KIND_NAMES.flatMap((kind) =>
    casesFor(kind, subjectsFor('ns'), 'ns', uuidv7(), 1_048_576).map((c) => ({ kind, name: c.name })),
  );

  it.each(sample)('$kind: $name is refused and counted', async ({ kind, name }) => {
    const found = casesFor(kind, subjects, t.namespace, held, maxPayload).find((x) => x.name === name);
    if (!found) throw new Error(`no case ${name}`);
    const headers = found.headers?.length ? natsHeaders() : undefined;
    for (const [k, v] of found.headers ?? []) headers!.set(k, v);
    if (kind === 'call' || kind === 'call-agent') {
      // Refused at the edge (400, counted as rejected), or by the sync step (413 over the payload limit,
      // counted among the answers by status): one of the two counters rises, by one.
      const counts = async () =>
        (await counterValue('switchyard_sync_calls_rejected_total')) +
        (await counterValue('switchyard_sync_answers_total', { status: '413' }));
      const counted = await counts();
      const reply = await nc.request(found.subject, found.data, { timeout: 5_000, headers });
      const answer = reply.json<{ status: number; error?: { code: string; message: string } }>();
      expect(answer).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      expect([400, 413]).toContain(answer.status);
      expect((await counts()) - counted).toBe(1);
      return;
    }
    const stream = streams()[STREAM_OF[kind]];
    const counted = await counterValue('switchyard_nats_rejected_total');
    const ack = await js.publish(found.subject, found.data, { headers });
    expect(ack.duplicate).toBe(false);
    await waitFor(`the termination of ${stream} seq ${ack.seq}`, () => terminated.get(stream)?.has(ack.seq), {
      timeoutMs: 3_000,
      intervalMs: 10,
    });
    expect((await counterValue('switchyard_nats_rejected_total')) - counted).toBe(1);
  });

  it.each(eventCases(subjectsFor('ns'), 'ns').map((c) => c.name))('events: %s is refused and counted', async (name) => {
    const found = eventCases(subjects, t.namespace).find((c) => c.name === name)!;
    const headers = found.headers?.length ? natsHeaders() : undefined;
    for (const [k, v] of found.headers ?? []) headers!.set(k, v);
    const stream = streams().events;
    const counted = await counterValue('switchyard_nats_rejected_total', { consumer: 'events' });
    const ack = await js.publish(found.subject, found.data, { headers });
    await waitFor(`the termination of ${stream} seq ${ack.seq}`, () => terminated.get(stream)?.has(ack.seq), {
      timeoutMs: 3_000,
      intervalMs: 10,
    });
    expect((await counterValue('switchyard_nats_rejected_total', { consumer: 'events' })) - counted).toBe(1);
  });

  it('a call without a reply subject is dropped and counted', async () => {
    const counted = await counterValue('switchyard_sync_calls_rejected_total', { reason: 'no-reply-subject' });
    nc.publish(subjects.callToPool('sweep-pool'), enc.encode(JSON.stringify({ type: 'sweep.x' })));
    await waitFor(
      'the count',
      async () =>
        (await counterValue('switchyard_sync_calls_rejected_total', { reason: 'no-reply-subject' })) > counted,
    );
  });

  it("garbage on the subjects the gateway only watches (lifecycle events, HTTP agents' wake-ups) harms nothing", async () => {
    for (const subject of [subjects.commandEvents(held), subjects.wake(AGENT)]) {
      for (const data of [enc.encode('hello'), Uint8Array.from([0xff, 0xfe]), enc.encode(deepJson(10_000))]) {
        nc.publish(subject, data);
      }
    }
    await nc.flush();
    expect((await request(gateway.getHttpServer()).get('/health/ready')).status).toBe(200);
  });

  it('after ack wait every durable consumer holds nothing and redelivered nothing', async () => {
    await new Promise((r) => setTimeout(r, ACK_WAIT_MS * 2));
    for (const [key, durable] of Object.entries(durables()) as [keyof ReturnType<typeof durables>, string][]) {
      const stream = streams()[key];
      const info = await jsm.consumers.info(stream, durable);
      const { state } = await jsm.streams.info(stream);
      expect({
        stream,
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
      }).toEqual({ stream, pending: 0, ackPending: 0, redelivered: 0 });
      expect({ stream, delivered: info.delivered.stream_seq }).toEqual({ stream, delivered: state.last_seq });
    }
  });

  it('every table is byte-identical', async () => {
    expect(await tableFingerprints(t.pool)).toEqual(before);
  });

  it('afterwards good messages still go through: a submission, a session, a call', async () => {
    await js.publish(subjects.submitToPool('sweep-pool'), enc.encode(JSON.stringify({ type: 'sweep.good' })), {
      msgID: 'sweep-good',
    });
    await waitFor('the good submission in the ledger', async () => {
      const { rowCount } = await t.pool.query(`SELECT 1 FROM commands WHERE type = 'sweep.good'`);
      return rowCount === 1;
    });
    await js.publish(
      subjects.session(AGENT),
      enc.encode(JSON.stringify({ kind: 'connect', sessionId: 'good', pools: [], concurrency: 1 })),
    );
    await waitFor('the agent online', async () => {
      const { rows } = await t.pool.query(`SELECT session_id FROM agents WHERE id = $1`, [AGENT]);
      return rows[0]?.session_id === 'good';
    });
    const reply = await nc.request(
      subjects.callToPool('sweep-nobody'),
      enc.encode(JSON.stringify({ type: 'sweep.call', timeoutMs: 200 })),
      { timeout: 5_000 },
    );
    expect(reply.json<{ status: number }>().status).toBe(503);
    for (const app of [gateway, dispatcher]) {
      expect((await request(app.getHttpServer()).get('/health/ready')).status).toBe(200);
    }
  });
});
