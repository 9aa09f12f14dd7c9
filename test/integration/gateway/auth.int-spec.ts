import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { streamsFor } from '@switchyard/messaging';
import { claimForDispatch } from '@switchyard/persistence';
import request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { seedCommands, seedDeadLetter } from '../../support/fixtures';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';
import { topicBody } from '../../support/debate';
import { SseClient } from '../../support/sse';
import { openApiOperations, tableFingerprints } from '../sweep/sweep-support';
import { bootGateway, mintAgent, mintClient, MintedKey, PROBLEM_JSON } from './in-process-gateway';

const SCHEDULED = { target: { pool: 'auth-pool' }, type: 'auth.scheduled' };

/**
 * Every route against every kind of credential. Admin routes take only
 * `x-admin-key`; command routes take only a bearer client or agent key;
 * the HTTP agents' routes (`/v1/agent/...`) take only an agent key (a valid
 * client key is 403 there, anything else the same 401).
 * Every refusal is the same 401 problem, so a caller learns nothing about
 * which part of its credential was wrong, and a refused call changes nothing.
 */

type Headers = Record<string, string>;
type CredentialName =
  | 'no credentials'
  | 'bearer that is not a key'
  | 'bearer scheme without a token'
  | 'client key under the Basic scheme'
  | 'bearer with a trailing extra token'
  | 'well-formed key with an unknown id'
  | 'real key id with a wrong secret'
  | 'revoked client key'
  | 'revoked agent key'
  | 'agent key replaced by a forced re-registration'
  | 'admin key as a bearer'
  | 'wrong x-admin-key'
  | 'client key'
  | 'agent key'
  | 'admin key in x-admin-key';

const CREDENTIALS: CredentialName[] = [
  'no credentials',
  'bearer that is not a key',
  'bearer scheme without a token',
  'client key under the Basic scheme',
  'bearer with a trailing extra token',
  'well-formed key with an unknown id',
  'real key id with a wrong secret',
  'revoked client key',
  'revoked agent key',
  'agent key replaced by a forced re-registration',
  'admin key as a bearer',
  'wrong x-admin-key',
  'client key',
  'agent key',
  'admin key in x-admin-key',
];

type RouteName =
  | OtherRouteName
  | 'POST /v1/admin/agents'
  | 'POST /v1/admin/clients'
  | 'DELETE /v1/admin/keys/:keyId'
  | 'POST /v1/commands'
  | 'GET /v1/commands'
  | 'GET /v1/commands/:id'
  | 'POST /v1/commands/:id/cancel'
  | AgentRouteName;
type AgentRouteName =
  | 'POST /v1/agent/sessions'
  | 'DELETE /v1/agent/sessions/:sessionId'
  | 'POST /v1/agent/heartbeat'
  | 'POST /v1/agent/status'
  | 'POST /v1/agent/commands/claim'
  | 'POST /v1/agent/commands/:id/accept'
  | 'POST /v1/agent/commands/:id/heartbeat'
  | 'POST /v1/agent/commands/:id/complete'
  | 'POST /v1/agent/commands/:id/fail'
  | 'POST /v1/agent/commands/:id/release';

/** Agents, event streams, schedules and topics: routes whose refusals are checked against every table. */
type OtherRouteName =
  | 'GET /v1/agents'
  | 'GET /v1/agents/events'
  | 'GET /v1/agents/:id'
  | 'GET /v1/agents/:id/events'
  | 'GET /v1/commands/:id/events'
  | 'POST /v1/schedules'
  | 'GET /v1/schedules'
  | 'DELETE /v1/schedules/:id'
  | 'POST /v1/topics'
  | 'GET /v1/topics'
  | 'GET /v1/topics/:id'
  | 'POST /v1/topics/:id/signups'
  | 'POST /v1/topics/:id/arguments'
  | 'GET /v1/topics/:id/arguments'
  | 'POST /v1/topics/:id/verdict'
  | 'GET /v1/topics/:id/verdict'
  | 'POST /v1/events'
  | 'POST /v1/triggers'
  | 'GET /v1/triggers'
  | 'DELETE /v1/triggers/:id'
  | 'GET /v1/dead-letters'
  | 'GET /v1/dead-letters/:id'
  | 'POST /v1/dead-letters/:id/replay'
  | 'POST /v1/dead-letters/:id/resolve';

/**
 * What each of these routes answers the credentials it accepts; every other credential is 401.
 * Agent reads (`/v1/agents…`) take the admin key as well as API keys, but the all-agents stream refuses
 * agent keys (403). Topic reads are public for a public topic (no credentials: 200), yet a credential
 * that is presented must be valid. Topic writes by an agent pass authentication and meet the topic's
 * state: the fixture topic has not opened its sign-up (409), and the agent is no camp member (403 with
 * the service's own problem, not the guard's). The fixture topic has no verdict yet (404).
 */
const OTHER_ROUTES: Record<OtherRouteName, Partial<Record<CredentialName, number>>> = {
  'GET /v1/agents': { 'client key': 200, 'agent key': 200, 'admin key in x-admin-key': 200 },
  'GET /v1/agents/events': { 'client key': 200, 'agent key': 403, 'admin key in x-admin-key': 200 },
  'GET /v1/agents/:id': { 'client key': 200, 'agent key': 200, 'admin key in x-admin-key': 200 },
  'GET /v1/agents/:id/events': { 'client key': 200, 'agent key': 200, 'admin key in x-admin-key': 200 },
  'GET /v1/commands/:id/events': { 'client key': 200, 'agent key': 200 },
  'POST /v1/schedules': { 'client key': 201, 'agent key': 201 },
  'GET /v1/schedules': { 'client key': 200, 'agent key': 200 },
  'DELETE /v1/schedules/:id': { 'client key': 204, 'agent key': 204 },
  'POST /v1/topics': { 'client key': 201, 'agent key': 403, 'admin key in x-admin-key': 201 },
  'GET /v1/topics': { 'no credentials': 200, 'client key': 200, 'agent key': 200, 'admin key in x-admin-key': 200 },
  'GET /v1/topics/:id': {
    'no credentials': 200,
    'client key': 200,
    'agent key': 200,
    'admin key in x-admin-key': 200,
  },
  'POST /v1/topics/:id/signups': { 'client key': 403, 'agent key': 409 },
  'POST /v1/topics/:id/arguments': { 'client key': 403, 'agent key': 403 },
  'GET /v1/topics/:id/arguments': {
    'no credentials': 200,
    'client key': 200,
    'agent key': 200,
    'admin key in x-admin-key': 200,
  },
  'POST /v1/topics/:id/verdict': { 'client key': 403, 'agent key': 403 },
  'GET /v1/topics/:id/verdict': {
    'no credentials': 404,
    'client key': 404,
    'agent key': 404,
    'admin key in x-admin-key': 404,
  },
  // Events and triggers: any key holder, for its own; the admin for all.
  'POST /v1/events': { 'client key': 202, 'agent key': 202, 'admin key in x-admin-key': 202 },
  'POST /v1/triggers': { 'client key': 201, 'agent key': 201, 'admin key in x-admin-key': 201 },
  'GET /v1/triggers': { 'client key': 200, 'agent key': 200, 'admin key in x-admin-key': 200 },
  'DELETE /v1/triggers/:id': { 'client key': 204, 'agent key': 204, 'admin key in x-admin-key': 204 },
  // Dead letters of the client's command (a fresh one per call): an agent key does not see it.
  'GET /v1/dead-letters': { 'client key': 200, 'agent key': 200, 'admin key in x-admin-key': 200 },
  'GET /v1/dead-letters/:id': { 'client key': 200, 'agent key': 404, 'admin key in x-admin-key': 200 },
  'POST /v1/dead-letters/:id/replay': { 'client key': 201, 'agent key': 404, 'admin key in x-admin-key': 201 },
  'POST /v1/dead-letters/:id/resolve': { 'client key': 200, 'agent key': 404, 'admin key in x-admin-key': 200 },
};
const OTHER_ROUTE_NAMES = Object.keys(OTHER_ROUTES) as OtherRouteName[];
const isOtherRoute = (route: RouteName): route is OtherRouteName => route in OTHER_ROUTES;
const SSE_ROUTES: OtherRouteName[] = [
  'GET /v1/agents/events',
  'GET /v1/agents/:id/events',
  'GET /v1/commands/:id/events',
];

interface Outcome {
  res: request.Response;
  /** Asserts that the call changed nothing (run when it was refused). */
  unchanged: () => Promise<void>;
}

const ADMIN_ROUTES: RouteName[] = ['POST /v1/admin/agents', 'POST /v1/admin/clients', 'DELETE /v1/admin/keys/:keyId'];
const COMMAND_ROUTES: RouteName[] = [
  'POST /v1/commands',
  'GET /v1/commands',
  'GET /v1/commands/:id',
  'POST /v1/commands/:id/cancel',
];
/** Routes of HTTP agents, with what each answers the agent key (a report: stored for the dispatcher, 202). */
const AGENT_ROUTES: Record<AgentRouteName, number> = {
  'POST /v1/agent/sessions': 201,
  'DELETE /v1/agent/sessions/:sessionId': 204,
  'POST /v1/agent/heartbeat': 202,
  'POST /v1/agent/status': 202,
  'POST /v1/agent/commands/claim': 200,
  'POST /v1/agent/commands/:id/accept': 202,
  'POST /v1/agent/commands/:id/heartbeat': 202,
  'POST /v1/agent/commands/:id/complete': 202,
  'POST /v1/agent/commands/:id/fail': 202,
  'POST /v1/agent/commands/:id/release': 202,
};
const AGENT_ROUTE_NAMES = Object.keys(AGENT_ROUTES) as AgentRouteName[];
const isAgentRoute = (route: RouteName): route is AgentRouteName => route in AGENT_ROUTES;

/** Which credentials a route accepts, and with what status. */
function expectedStatus(route: RouteName, credential: CredentialName): number {
  if (isOtherRoute(route)) return OTHER_ROUTES[route][credential] ?? 401;
  if (isAgentRoute(route)) {
    if (credential === 'agent key') return AGENT_ROUTES[route];
    return credential === 'client key' ? 403 : 401;
  }
  if (ADMIN_ROUTES.includes(route)) {
    if (credential !== 'admin key in x-admin-key') return 401;
    return { 'POST /v1/admin/agents': 201, 'POST /v1/admin/clients': 201, 'DELETE /v1/admin/keys/:keyId': 204 }[
      route as 'POST /v1/admin/agents'
    ];
  }
  if (credential !== 'client key' && credential !== 'agent key') return 401;
  return route === 'POST /v1/commands' ? 202 : 200;
}

function randomKey(): string {
  return `sy_${randomBytes(16).toString('hex')}_${randomBytes(32).toString('base64url')}`;
}

function keyIdHex(raw: string): string {
  return raw.split('_')[1];
}

describe('gateway authentication: every route × every credential', () => {
  let t: TestEnv;
  let app: INestApplication;
  let client: MintedKey & { clientId: string };
  let agent: MintedKey;
  let revoked: MintedKey;
  let revokedAgent: MintedKey;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  /** A command whose attempt 1 is dispatched to `agent` (nothing applies its reports: no dispatcher runs here). */
  let heldCommandId: string;
  let rotatedOld: MintedKey;
  let rotatedNew: string;
  let baseUrl: string;
  let topicId: string;
  let operations: Map<string, unknown>;
  const unauthorizedBodies: { case: string; body: Record<string, unknown>; contentType: string }[] = [];
  let seq = 0;

  const http = () => request(app.getHttpServer());

  function headersFor(credential: CredentialName): Headers {
    switch (credential) {
      case 'no credentials':
        return {};
      case 'bearer that is not a key':
        return { authorization: 'Bearer not-a-key' };
      case 'bearer scheme without a token':
        return { authorization: 'Bearer' };
      case 'client key under the Basic scheme':
        return { authorization: `Basic ${client.apiKey}` };
      case 'bearer with a trailing extra token':
        return { authorization: `Bearer ${client.apiKey} extra` };
      case 'well-formed key with an unknown id':
        return { authorization: `Bearer ${randomKey()}` };
      case 'real key id with a wrong secret':
        return { authorization: `Bearer sy_${keyIdHex(client.apiKey)}_${randomBytes(32).toString('base64url')}` };
      case 'revoked client key':
        return { authorization: `Bearer ${revoked.apiKey}` };
      case 'revoked agent key':
        return { authorization: `Bearer ${revokedAgent.apiKey}` };
      case 'agent key replaced by a forced re-registration':
        return { authorization: `Bearer ${rotatedOld.apiKey}` };
      case 'admin key as a bearer':
        return { authorization: `Bearer ${TEST_ADMIN_KEY}` };
      case 'wrong x-admin-key':
        return { 'x-admin-key': `${TEST_ADMIN_KEY}x` };
      case 'client key':
        return { authorization: `Bearer ${client.apiKey}` };
      case 'agent key':
        return { authorization: `Bearer ${agent.apiKey}` };
      case 'admin key in x-admin-key':
        return { 'x-admin-key': TEST_ADMIN_KEY };
    }
  }

  /** A command owned by the credential when it is a caller, otherwise by the client. */
  async function ownCommand(credential: CredentialName): Promise<string> {
    const key = credential === 'agent key' ? agent.apiKey : client.apiKey;
    const res = await http()
      .post('/v1/commands')
      .set('authorization', `Bearer ${key}`)
      .send({ target: { pool: 'auth-pool' }, type: 'auth.fixture' });
    expect(res.status).toBe(202);
    return res.body.id as string;
  }

  async function stateOf(id: string): Promise<string> {
    const { rows } = await t.pool.query<{ state: string }>('SELECT state FROM commands WHERE id = $1', [id]);
    return rows[0].state;
  }

  async function call(route: RouteName, credential: CredentialName): Promise<Outcome> {
    const headers = headersFor(credential);
    const n = ++seq;
    if (isAgentRoute(route)) return callAgentRoute(route, headers);
    if (isOtherRoute(route)) return callOtherRoute(route, credential, headers);
    switch (route) {
      case 'POST /v1/admin/agents': {
        const id = `auth-new-agent-${n}`;
        const res = await http().post('/v1/admin/agents').set(headers).send({ id });
        return {
          res,
          unchanged: async () => {
            const { rowCount } = await t.pool.query('SELECT 1 FROM agents WHERE id = $1', [id]);
            expect(rowCount).toBe(0);
          },
        };
      }
      case 'POST /v1/admin/clients': {
        const name = `auth-new-client-${n}`;
        const res = await http().post('/v1/admin/clients').set(headers).send({ name });
        return {
          res,
          unchanged: async () => {
            const { rowCount } = await t.pool.query('SELECT 1 FROM clients WHERE name = $1', [name]);
            expect(rowCount).toBe(0);
          },
        };
      }
      case 'DELETE /v1/admin/keys/:keyId': {
        const victim = await mintClient(app, `auth-victim-${n}`);
        const res = await http().delete(`/v1/admin/keys/${victim.keyId}`).set(headers);
        return {
          res,
          unchanged: async () => {
            const { rows } = await t.pool.query('SELECT revoked_at FROM api_keys WHERE id = $1', [victim.keyId]);
            expect(rows).toEqual([{ revoked_at: null }]);
          },
        };
      }
      case 'POST /v1/commands': {
        const type = `auth.submit.${n}`;
        const res = await http()
          .post('/v1/commands')
          .set(headers)
          .send({ target: { pool: 'auth-pool' }, type });
        return {
          res,
          unchanged: async () => {
            const { rowCount } = await t.pool.query('SELECT 1 FROM commands WHERE type = $1', [type]);
            expect(rowCount).toBe(0);
          },
        };
      }
      case 'GET /v1/commands': {
        const res = await http().get('/v1/commands').set(headers);
        return { res, unchanged: () => Promise.resolve() };
      }
      case 'GET /v1/commands/:id': {
        const id = await ownCommand(credential);
        const res = await http().get(`/v1/commands/${id}`).set(headers);
        return { res, unchanged: () => Promise.resolve() };
      }
      case 'POST /v1/commands/:id/cancel': {
        const id = await ownCommand(credential);
        const res = await http().post(`/v1/commands/${id}/cancel`).set(headers).send({});
        return {
          res,
          unchanged: async () => {
            expect(await stateOf(id)).toBe('queued');
          },
        };
      }
    }
  }

  /** What the agent routes leave behind: messages on the REPORTS and AGENT_STATUS streams, and the held command. */
  async function agentTraces() {
    const streams = streamsFor(t.namespace);
    const { rows } = await t.pool.query(
      'SELECT state, attempt, delivered_attempt, updated_at FROM commands WHERE id = $1',
      [heldCommandId],
    );
    return {
      reports: (await jsm.streams.info(streams.reports)).state.last_seq,
      status: (await jsm.streams.info(streams.agentStatus)).state.last_seq,
      held: rows[0],
    };
  }

  async function callAgentRoute(route: AgentRouteName, headers: Headers): Promise<Outcome> {
    const before = await agentTraces();
    const post = (path: string, body: object) => http().post(path).set(headers).send(body);
    const report = (kind: string, body: object) =>
      post(`/v1/agent/commands/${heldCommandId}/${kind}`, { attempt: 1, ...body });
    let res: request.Response;
    switch (route) {
      case 'POST /v1/agent/sessions':
        res = await post('/v1/agent/sessions', {});
        break;
      case 'DELETE /v1/agent/sessions/:sessionId':
        res = await http().delete(`/v1/agent/sessions/auth-session-${++seq}`).set(headers);
        break;
      case 'POST /v1/agent/heartbeat':
        res = await post('/v1/agent/heartbeat', { sessionId: 'auth-session' });
        break;
      case 'POST /v1/agent/status':
        res = await post('/v1/agent/status', { phase: 'busy', activity: 'auth' });
        break;
      case 'POST /v1/agent/commands/claim':
        res = await post('/v1/agent/commands/claim', { max: 1, waitMs: 0 });
        break;
      case 'POST /v1/agent/commands/:id/accept':
        res = await report('accept', {});
        break;
      case 'POST /v1/agent/commands/:id/heartbeat':
        res = await report('heartbeat', { progress: { step: 1 } });
        break;
      case 'POST /v1/agent/commands/:id/complete':
        res = await report('complete', { result: { ok: true } });
        break;
      case 'POST /v1/agent/commands/:id/fail':
        res = await report('fail', { error: { message: 'auth' } });
        break;
      case 'POST /v1/agent/commands/:id/release':
        res = await report('release', {});
        break;
    }
    return {
      res,
      unchanged: async () => {
        expect(await agentTraces()).toEqual(before);
      },
    };
  }

  /** Opens an event stream: its status, content type and (when refused) problem body; an opened stream is dropped. */
  async function openStream(path: string, headers: Headers): Promise<{ status: number; type: string; body: unknown }> {
    const stream = await SseClient.open(`${baseUrl}${path}`, headers);
    if (stream instanceof SseClient) {
      stream.close();
      return { status: stream.status, type: stream.headers.get('content-type') ?? '', body: {} };
    }
    return { status: stream.status, type: stream.headers.get('content-type') ?? '', body: JSON.parse(stream.body) };
  }

  /** A schedule owned by the credential when it is a caller, otherwise by the client. */
  async function ownSchedule(credential: CredentialName): Promise<string> {
    const key = credential === 'agent key' ? agent.apiKey : client.apiKey;
    const res = await http()
      .post('/v1/schedules')
      .set('authorization', `Bearer ${key}`)
      .send({ name: 'auth-fixture', cron: '0 0 1 1 *', timezone: 'UTC', command: SCHEDULED });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  /** A trigger owned by the credential when it is a key holder, otherwise by the client. */
  async function ownTrigger(credential: CredentialName): Promise<string> {
    const key = credential === 'agent key' ? agent.apiKey : client.apiKey;
    const res = await http()
      .post('/v1/triggers')
      .set('authorization', `Bearer ${key}`)
      .send({ subjectPattern: 'auth.fixture', target: { pool: 'p' }, type: 'x' });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function callOtherRoute(route: OtherRouteName, credential: CredentialName, headers: Headers): Promise<Outcome> {
    const id = route.includes('/v1/commands/')
      ? await ownCommand(credential)
      : route === 'DELETE /v1/schedules/:id'
        ? await ownSchedule(credential)
        : route === 'DELETE /v1/triggers/:id'
          ? await ownTrigger(credential)
          : route.includes('/v1/dead-letters/')
            ? await seedDeadLetter(t.pool, `client:${client.clientId}`)
            : route.startsWith('GET /v1/agents/:id')
              ? 'auth-agent'
              : topicId;
    const [method, template] = route.split(' ');
    const path = template.replace(':id', id);
    const before = await tableFingerprints(t.pool);
    const unchanged = async () => expect(await tableFingerprints(t.pool)).toEqual(before);
    if (SSE_ROUTES.includes(route)) {
      const { status, type, body } = await openStream(path, headers);
      // A fake supertest response: the table reads status, body and the content type.
      const res = { status, body, headers: { 'content-type': type } } as unknown as request.Response;
      if (status === 200) expect(type).toMatch(/^text\/event-stream/);
      return { res, unchanged };
    }
    const bodies: Partial<Record<OtherRouteName, object>> = {
      'POST /v1/schedules': { name: 'auth', cron: '0 0 1 1 *', timezone: 'UTC', command: SCHEDULED },
      'POST /v1/topics': topicBody([3_600_000, 7_200_000, 10_800_000, 14_400_000]),
      'POST /v1/topics/:id/signups': { camps: ['pro'] },
      'POST /v1/topics/:id/arguments': { body: 'an argument' },
      'POST /v1/topics/:id/verdict': { verdict: { winner: 'pro' }, rationale: 'because' },
      'POST /v1/events': { subject: 'auth.happened', data: { n: 1 } },
      'POST /v1/triggers': { subjectPattern: 'auth.>', target: { pool: 'p' }, type: 'x' },
      'POST /v1/dead-letters/:id/replay': {},
      'POST /v1/dead-letters/:id/resolve': { note: 'auth' },
    };
    const req = http()[method.toLowerCase() as 'get' | 'post' | 'delete'](path).set(headers);
    const res = bodies[route] ? await req.send(bodies[route]) : await req;
    return { res, unchanged };
  }

  beforeAll(async () => {
    t = await createTestEnv();
    app = await bootGateway(t);
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    operations = await openApiOperations(app);
    client = await mintClient(app, 'auth-client');
    agent = await mintAgent(app, 'auth-agent');
    revoked = await mintClient(app, 'auth-revoked');
    const revoke = await http().delete(`/v1/admin/keys/${revoked.keyId}`).set('x-admin-key', TEST_ADMIN_KEY);
    expect(revoke.status).toBe(204);
    revokedAgent = await mintAgent(app, 'auth-revoked-agent');
    const revokeAgent = await http().delete(`/v1/admin/keys/${revokedAgent.keyId}`).set('x-admin-key', TEST_ADMIN_KEY);
    expect(revokeAgent.status).toBe(204);
    rotatedOld = await mintAgent(app, 'auth-rotated');
    const conflict = await http()
      .post('/v1/admin/agents')
      .set('x-admin-key', TEST_ADMIN_KEY)
      .send({ id: 'auth-rotated' });
    expect(conflict.status).toBe(409);
    const rotation = await http()
      .post('/v1/admin/agents')
      .set('x-admin-key', TEST_ADMIN_KEY)
      .send({ id: 'auth-rotated', force: true });
    expect(rotation.status).toBe(201);
    expect(rotation.body.keyId).not.toBe(rotatedOld.keyId);
    rotatedNew = rotation.body.apiKey;
    // Attempt 1 of a command claimed for `agent`, as the dispatcher would leave it for an HTTP agent.
    const [held] = await seedCommands(t.pool, 1, { target: 'auth-agent', caller: 'client:auth' });
    const claimed = await claimForDispatch(t.pool, [{ commandId: held.id, agentId: 'auth-agent' }], new Date());
    expect(claimed.map((r) => [r.state, r.attempt])).toEqual([['dispatched', 1]]);
    heldCommandId = held.id;
    nc = await connect({ servers: t.natsUrl });
    jsm = await jetstreamManager(nc);
    const topic = await http()
      .post('/v1/topics')
      .set('authorization', `Bearer ${client.apiKey}`)
      .send(topicBody([3_600_000, 7_200_000, 10_800_000, 14_400_000]));
    expect(topic.status).toBe(201);
    topicId = topic.body.id;
  });

  afterAll(async () => {
    await nc?.close();
    await app?.close();
    await t?.teardown();
  });

  const ROUTES: RouteName[] = [...ADMIN_ROUTES, ...COMMAND_ROUTES, ...AGENT_ROUTE_NAMES, ...OTHER_ROUTE_NAMES];

  it('the table holds every route of the OpenAPI document, and nothing else', () => {
    const table = ROUTES.map((route) => route.replace(/:(\w+)/g, '{$1}'));
    expect([...operations.keys()].sort()).toEqual(table.sort());
  });

  const cases = ROUTES.flatMap((route) =>
    CREDENTIALS.map((credential) => ({ route, credential, status: expectedStatus(route, credential) })),
  );

  it.each(cases)('$route with $credential → $status', async ({ route, credential, status }) => {
    const { res, unchanged } = await call(route, credential);
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    if (status === 401) {
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
      unauthorizedBodies.push({
        case: `${route} / ${credential}`,
        body: res.body,
        contentType: res.headers['content-type'],
      });
      await unchanged();
    }
    if (status === 403 || (isOtherRoute(route) && status >= 400)) {
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status, title: expect.any(String) });
      await unchanged();
    }
  });

  it('an agent route answers an unknown command to the agent key with 404, so the 202s above were judged', async () => {
    const res = await http()
      .post(`/v1/agent/commands/${uuidv7()}/accept`)
      .set('authorization', `Bearer ${agent.apiKey}`)
      .send({ attempt: 1 });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  });

  it('the held command is still as the dispatcher left it: no report was applied, only stored', async () => {
    const { rows } = await t.pool.query('SELECT state, attempt, assigned_agent FROM commands WHERE id = $1', [
      heldCommandId,
    ]);
    expect(rows).toEqual([{ state: 'dispatched', attempt: 1, assigned_agent: 'auth-agent' }]);
  });

  it('every 401 carries the same type, title and detail: no hint which part was wrong', () => {
    expect(unauthorizedBodies.length).toBe(cases.filter((c) => c.status === 401).length);
    const distinct = new Set(
      unauthorizedBodies.map(({ body }) => JSON.stringify({ type: body.type, title: body.title, detail: body.detail })),
    );
    expect([...distinct]).toHaveLength(1);
    const [{ body }] = unauthorizedBodies;
    expect(typeof body.detail).toBe('string');
    expect(String(body.detail)).not.toMatch(/revoked|expired|unknown|malformed|admin|bearer|secret/i);
  });

  it('the agent key minted by the forced re-registration works where the replaced one does not', async () => {
    const fresh = await http().get('/v1/commands').set('authorization', `Bearer ${rotatedNew}`);
    expect(fresh.status).toBe(200);
    const stale = await http().get('/v1/commands').set('authorization', `Bearer ${rotatedOld.apiKey}`);
    expect(stale.status).toBe(401);
    const { rows } = await t.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM api_keys WHERE agent_id = 'auth-rotated' AND revoked_at IS NULL`,
    );
    expect(Number(rows[0].n)).toBe(1);
  });
});

describe('gateway with ADMIN_API_KEY empty', () => {
  let t: TestEnv;
  let app: INestApplication;

  beforeAll(async () => {
    t = await createTestEnv({ ADMIN_API_KEY: '' });
    app = await bootGateway(t);
  });

  afterAll(async () => {
    await app?.close();
    await t?.teardown();
  });

  const headers: { name: string; headers: Headers }[] = [
    { name: 'no x-admin-key', headers: {} },
    { name: 'an empty x-admin-key', headers: { 'x-admin-key': '' } },
    { name: 'a blank x-admin-key', headers: { 'x-admin-key': ' ' } },
    { name: 'the usual test admin key', headers: { 'x-admin-key': TEST_ADMIN_KEY } },
  ];
  const routes = [
    {
      route: 'POST /v1/admin/agents',
      send: (h: Headers) => request(app.getHttpServer()).post('/v1/admin/agents').set(h).send({ id: 'nobody' }),
    },
    {
      route: 'POST /v1/admin/clients',
      send: (h: Headers) => request(app.getHttpServer()).post('/v1/admin/clients').set(h).send({ name: 'nobody' }),
    },
    {
      route: 'DELETE /v1/admin/keys/:keyId',
      send: (h: Headers) =>
        request(app.getHttpServer()).delete('/v1/admin/keys/0190a8a0-0000-7000-8000-000000000000').set(h),
    },
  ];
  const cases = routes.flatMap((r) => headers.map((h) => ({ ...r, ...h })));

  it('the empty key really is configured as empty', () => {
    expect(t.config('gateway').adminApiKey).toBe('');
  });

  it.each(cases)('$route with $name → 401', async ({ send, headers: h }) => {
    const res = await send(h);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized', detail: 'missing or invalid credentials' });
  });

  it('nothing was created', async () => {
    const agents = await t.pool.query('SELECT 1 FROM agents');
    const clients = await t.pool.query('SELECT 1 FROM clients');
    expect(agents.rowCount).toBe(0);
    expect(clients.rowCount).toBe(0);
  });
});
