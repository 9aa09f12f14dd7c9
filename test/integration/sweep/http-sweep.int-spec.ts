import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { streamsFor } from '@switchyard/messaging';
import { claimForDispatch } from '@switchyard/persistence';
import request from 'supertest';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { topicBody } from '../../support/debate';
import { seedCommands, seedDeadLetter } from '../../support/fixtures';
import { inParallel } from '../../support/http';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';
import { bootGateway, mintAgent, mintClient, MintedKey, PROBLEM_JSON } from '../gateway/in-process-gateway';
import {
  bodySchemaOf,
  deepJson,
  openApiOperations,
  type OpenApiOperation,
  rawHttp,
  type RawRequest,
  type RawResponse,
  tableFingerprints,
  wrongTypeFor,
} from './sweep-support';

/**
 * Bad input against every HTTP route: one table of routes (ROUTES, checked
 * against the live OpenAPI document so that a new route cannot escape) times
 * one list of generators (GENERATORS). Each generator turns a route into
 * malformed requests; every answer must be a 4xx `application/problem+json`
 * with a useful body, never a 5xx. Afterwards every table is byte-identical,
 * no message reached a stream, and the gateway is still ready.
 *
 * The gateway and a dispatcher run in this process; no orchestrator runs, so
 * nothing but a request could change a row.
 */

const MAX_PAYLOAD_BYTES = 4096;
/** The JSON parser's limit: the payload limit plus room for the envelope (gateway.setup.ts). */
const BODY_LIMIT = MAX_PAYLOAD_BYTES + 64 * 1024;

type Credential = 'admin' | 'client' | 'agent' | 'none';
type ParamKind = 'uuid' | 'slug' | 'session';

interface Fixtures {
  client: MintedKey & { clientId: string };
  agent: MintedKey;
  otherAgent: MintedKey;
  revoked: MintedKey;
  /** Attempt 1 dispatched to `agent` / to `otherAgent`. */
  held: string;
  othersHeld: string;
  /** A queued command of `client`. */
  own: string;
  topic: string;
  schedule: string;
  trigger: string;
  /** A dead letter of a command of `client`. */
  deadLetter: string;
  victimKey: string;
}

interface RouteSpec {
  /** The credential a request that passes would carry. */
  credential: Credential;
  /** Path parameters of a request that passes, by name, with their kind. */
  params?: Record<string, { kind: ParamKind; value: (f: Fixtures) => string }>;
  /** A body that passes validation. Never sent as is: generators only send broken copies. */
  body?: (f: Fixtures) => Record<string, unknown>;
  /** Body fields that take any JSON value (no wrong type), the first one carries the deep-JSON case. */
  anyJson?: string[];
  sse?: boolean;
  /** The `id` is a command dispatched to the calling agent: another agent's command must be 403. */
  agentCommand?: boolean;
}

const uuidOf = (get: (f: Fixtures) => string) => ({ kind: 'uuid' as const, value: get });

/** Every route of the gateway. A route in the OpenAPI document but not here fails the sweep. */
const ROUTES: Record<string, RouteSpec> = {
  'POST /v1/admin/agents': {
    credential: 'admin',
    body: () => ({ id: 'sweep-new', name: 'n', pools: ['p'], concurrency: 2, labels: { a: 'b' }, force: false }),
  },
  'POST /v1/admin/clients': { credential: 'admin', body: () => ({ name: 'sweep-new-client' }) },
  'DELETE /v1/admin/keys/{keyId}': { credential: 'admin', params: { keyId: uuidOf((f) => f.victimKey) } },
  'POST /v1/agent/sessions': { credential: 'agent', body: () => ({ name: 'n', pools: ['p'], concurrency: 1 }) },
  'DELETE /v1/agent/sessions/{sessionId}': {
    credential: 'agent',
    params: { sessionId: { kind: 'session', value: () => 'sweep-session' } },
  },
  'POST /v1/agent/heartbeat': { credential: 'agent', body: () => ({ sessionId: 'sweep-session' }) },
  'POST /v1/agent/status': {
    credential: 'agent',
    body: (f) => ({ phase: 'busy', activity: 'a', detail: 'd', commandId: f.held, sessionId: 's' }),
  },
  'POST /v1/agent/commands/claim': { credential: 'agent', body: () => ({ max: 1, waitMs: 0 }) },
  'POST /v1/agent/commands/{id}/accept': agentReport(() => ({ attempt: 1 })),
  'POST /v1/agent/commands/{id}/heartbeat': agentReport(() => ({ attempt: 1 }), ['progress']),
  'POST /v1/agent/commands/{id}/complete': agentReport(() => ({ attempt: 1 }), ['result']),
  'POST /v1/agent/commands/{id}/fail': agentReport(() => ({
    attempt: 1,
    error: { message: 'm', code: 'c' },
    retryable: false,
  })),
  'POST /v1/agent/commands/{id}/release': agentReport(() => ({ attempt: 1 })),
  'GET /v1/agents': { credential: 'client' },
  'GET /v1/agents/events': { credential: 'client', sse: true },
  'GET /v1/agents/{id}': { credential: 'client', params: { id: { kind: 'slug', value: () => 'sweep-a' } } },
  'GET /v1/agents/{id}/events': {
    credential: 'client',
    sse: true,
    params: { id: { kind: 'slug', value: () => 'sweep-a' } },
  },
  'POST /v1/commands': {
    credential: 'client',
    body: () => ({
      target: { pool: 'sweep-pool' },
      type: 'sweep.x',
      mode: 'async',
      idempotencyKey: 'k',
      maxAttempts: 2,
      ackTimeoutMs: 1_000,
      backoff: { kind: 'constant', baseMs: 10, maxMs: 10, jitter: false },
    }),
    anyJson: ['payload'],
  },
  'GET /v1/commands': { credential: 'client' },
  'GET /v1/commands/{id}': { credential: 'client', params: { id: uuidOf((f) => f.own) } },
  'POST /v1/commands/{id}/cancel': {
    credential: 'client',
    params: { id: uuidOf((f) => f.own) },
    body: () => ({ reason: 'r' }),
  },
  'GET /v1/commands/{id}/events': { credential: 'client', sse: true, params: { id: uuidOf((f) => f.own) } },
  'POST /v1/schedules': {
    credential: 'client',
    body: () => ({
      name: 'n',
      cron: '*/5 * * * *',
      timezone: 'UTC',
      catchUp: 'once',
      command: { target: { pool: 'sweep-pool' }, type: 'sweep.x' },
    }),
  },
  'GET /v1/schedules': { credential: 'client' },
  'DELETE /v1/schedules/{id}': { credential: 'client', params: { id: uuidOf((f) => f.schedule) } },
  'POST /v1/events': {
    credential: 'client',
    body: () => ({ subject: 'sweep.happened', data: { a: 1 }, idempotencyKey: 'k' }),
    anyJson: ['data'],
  },
  'POST /v1/triggers': {
    credential: 'client',
    body: () => ({
      subjectPattern: 'sweep.>',
      target: { pool: 'sweep-pool' },
      type: 'sweep.x',
      mode: 'async',
      retry: { maxAttempts: 2, backoff: { kind: 'constant', baseMs: 10, maxMs: 10, jitter: false } },
      ackTimeoutMs: 1_000,
      heartbeatTimeoutMs: 1_000,
      deadlineMs: 60_000,
    }),
    anyJson: ['payloadTemplate'],
  },
  'GET /v1/triggers': { credential: 'client' },
  'DELETE /v1/triggers/{id}': { credential: 'client', params: { id: uuidOf((f) => f.trigger) } },
  'GET /v1/dead-letters': { credential: 'client' },
  'GET /v1/dead-letters/{id}': { credential: 'client', params: { id: uuidOf((f) => f.deadLetter) } },
  'POST /v1/dead-letters/{id}/replay': {
    credential: 'client',
    params: { id: uuidOf((f) => f.deadLetter) },
    body: () => ({ force: false }),
  },
  'POST /v1/dead-letters/{id}/resolve': {
    credential: 'client',
    params: { id: uuidOf((f) => f.deadLetter) },
    body: () => ({ note: 'n' }),
  },
  'POST /v1/topics': {
    credential: 'client',
    body: () => topicBody([3_600_000, 7_200_000, 10_800_000, 14_400_000]),
    anyJson: ['verdictSchema'],
  },
  'GET /v1/topics': { credential: 'none' },
  'GET /v1/topics/{id}': { credential: 'none', params: { id: uuidOf((f) => f.topic) } },
  'POST /v1/topics/{id}/signups': {
    credential: 'agent',
    params: { id: uuidOf((f) => f.topic) },
    body: () => ({ camps: ['pro', 'con'] }),
  },
  'POST /v1/topics/{id}/arguments': {
    credential: 'agent',
    params: { id: uuidOf((f) => f.topic) },
    body: () => ({ body: 'an argument' }),
  },
  'GET /v1/topics/{id}/arguments': { credential: 'none', params: { id: uuidOf((f) => f.topic) } },
  'POST /v1/topics/{id}/verdict': {
    credential: 'agent',
    params: { id: uuidOf((f) => f.topic) },
    body: () => ({ verdict: { winner: 'pro' }, rationale: 'r' }),
    anyJson: ['verdict'],
  },
  'GET /v1/topics/{id}/verdict': { credential: 'none', params: { id: uuidOf((f) => f.topic) } },
};

function agentReport(body: (f: Fixtures) => Record<string, unknown>, anyJson?: string[]): RouteSpec {
  return { credential: 'agent', params: { id: uuidOf((f) => f.held) }, body, anyJson, agentCommand: true };
}

/** Values a path parameter of each kind must refuse (raw, already percent-encoded where needed). */
const BAD_PARAMS: Record<ParamKind, string[]> = {
  uuid: [
    'not-a-uuid',
    '0190a8a0-0000-7000-8000-00000000000g',
    '0190a8a0000070008000000000000000',
    '%00',
    '..',
    '*',
    '%E2%80%AE',
    `${'a'.repeat(4_000)}`,
  ],
  slug: ['a.b', '*', '%3E', 'Upper', 'with%20space', '..', '%C3%A9t%C3%A9', 'a'.repeat(4_000)],
  session: ['a'.repeat(65), 'a'.repeat(4_000)],
};

/** Values each query parameter must refuse; a declared parameter missing here fails the sweep. */
const BAD_QUERY: Record<string, string[]> = {
  limit: ['abc', '0', '-1', '501', '1.5', '1e9'],
  cursor: ['!!!', Buffer.from('not-a-uuid').toString('base64url'), 'a'.repeat(100), '%00'],
  state: ['bogus', 'QUEUED'],
  status: ['bogus'],
  pool: ['A.B', '*', 'a'.repeat(100)],
  target: ['a'.repeat(100)],
  type: ['a'.repeat(200)],
  reason: ['a'.repeat(200)],
  resolved: ['yes', '1'],
  lastEventId: ['abc', '-1', '1.5', '99999999999999999999'],
};

interface Case {
  name: string;
  req: RawRequest;
  /** Expected status; an array allows either. `'no-answer-or-4xx'` for a client that gives up mid-body. */
  expect: number | number[] | 'no-answer-or-4xx';
  /** The problem must name this field in `errors`. */
  field?: string;
  /** Every entry of `errors` must name a field starting with this (so the rest of the body was valid). */
  onlyField?: string;
}

interface Context {
  route: string;
  method: string;
  spec: RouteSpec;
  operation: OpenApiOperation;
  f: Fixtures;
}

type Generator = (c: Context) => Case[];

function pathOf(c: Context, override: Record<string, string> = {}): string {
  const [, template] = c.route.split(' ');
  return template.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? c.spec.params![name].value(c.f));
}

function credentialHeaders(c: Context, credential = c.spec.credential): [string, string][] {
  switch (credential) {
    case 'admin':
      return [['x-admin-key', TEST_ADMIN_KEY]];
    case 'client':
      return [['authorization', `Bearer ${c.f.client.apiKey}`]];
    case 'agent':
      return [['authorization', `Bearer ${c.f.agent.apiKey}`]];
    case 'none':
      return [];
  }
}

const JSON_CT: [string, string] = ['content-type', 'application/json'];

function jsonRequest(c: Context, body: unknown, extra: Partial<RawRequest> = {}): RawRequest {
  return {
    method: c.method,
    path: pathOf(c),
    headers: [...credentialHeaders(c), JSON_CT],
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    ...extra,
  };
}

/** A body that fails validation whatever else the route checks, for cases about something else. */
const INVALID_BODY = { sweepUnknownField: true };

const GENERATORS: Record<string, Generator> = {
  'wrong types': (c) => {
    if (!c.spec.body) return [];
    const valid = c.spec.body(c.f);
    return Object.keys(valid)
      .filter((field) => !c.spec.anyJson?.includes(field))
      .map((field) => ({
        name: `${field} of the wrong type`,
        req: jsonRequest(c, { ...valid, [field]: wrongTypeFor(valid[field]) }),
        expect: 400,
        field,
        onlyField: field,
      }));
  },
  'missing fields': (c) => {
    if (!c.spec.body) return [];
    const valid = c.spec.body(c.f);
    const required = bodySchemaOf(c.operation)?.required ?? [];
    const missing = required.map((field) => {
      const { [field]: _, ...rest } = valid;
      return { name: `without ${field}`, req: jsonRequest(c, rest), expect: 400, field, onlyField: field };
    });
    return [
      ...missing,
      { name: 'an empty body', req: jsonRequest(c, '', { headers: credentialHeaders(c) }), expect: 400 },
      { name: 'JSON null', req: jsonRequest(c, 'null'), expect: 400 },
      { name: 'a JSON array', req: jsonRequest(c, '[]'), expect: 400 },
      { name: 'a JSON string', req: jsonRequest(c, '"text"'), expect: 400 },
    ].filter((x) => required.length > 0 || x.name !== 'an empty body');
  },
  'unknown fields': (c) => {
    if (!c.spec.body) return [];
    const valid = c.spec.body(c.f);
    return [
      { name: 'an unknown field', req: jsonRequest(c, { ...valid, sweepUnknown: 1 }), expect: 400, onlyField: '' },
      {
        name: '__proto__',
        req: jsonRequest(c, withRawField('__proto__', '{"polluted":true}', valid)),
        expect: 400,
      },
    ];
  },
  'unknown enum values': (c) => {
    if (!c.spec.body) return [];
    const valid = c.spec.body(c.f);
    const properties = bodySchemaOf(c.operation)?.properties ?? {};
    return Object.entries(properties)
      .flatMap(([field, schema]) => {
        if (schema.enum) {
          return [{ name: `${field} not in its enum`, req: jsonRequest(c, { ...valid, [field]: 'sweep-bogus' }) }];
        }
        if (schema.items?.enum) {
          return [{ name: `${field} with an item not in its enum`, req: jsonRequest(c, { ...valid, [field]: ['x'] }) }];
        }
        return [];
      })
      .map((x) => ({ ...x, expect: 400, field: x.name.split(' ')[0] }));
  },
  'malformed bodies': (c) => [
    { name: 'truncated JSON', req: jsonRequest(c, '{"a":'), expect: 400 },
    { name: 'JSON with a trailing comma', req: jsonRequest(c, '{"a":1,}'), expect: 400 },
    { name: 'invalid UTF-8 bytes', req: jsonRequest(c, Buffer.from('{"a":"\xff\xfe"}', 'latin1')), expect: 400 },
    {
      name: 'an overlong UTF-8 encoding',
      req: jsonRequest(c, Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d])),
      expect: 400,
    },
    { name: 'a body over the size limit', req: jsonRequest(c, { a: 'x'.repeat(BODY_LIMIT * 2) }), expect: 413 },
  ],
  'lone surrogates': (c) => {
    if (!c.spec.body) return [];
    const valid = c.spec.body(c.f);
    const field = c.spec.anyJson?.[0] ?? Object.keys(valid).find((k) => typeof valid[k] === 'string');
    if (!field) return [];
    const withText = (text: string) => withRawField(field, `"${text}"`, { ...valid, [field]: undefined });
    return [
      { name: `a lone high surrogate in ${field}`, req: jsonRequest(c, withText('x\\ud800y')), expect: 400 },
      { name: `a lone low surrogate in ${field}`, req: jsonRequest(c, withText('\\udc00')), expect: 400 },
    ];
  },
  'deeply nested JSON': (c) => {
    const valid = c.spec.body?.(c.f) ?? {};
    const field = c.spec.anyJson?.[0];
    const deep = (depth: number) => (field ? withRawField(field, deepJson(depth), valid) : `{"a":${deepJson(depth)}}`);
    return [
      { name: 'JSON nested 10,000 deep', req: jsonRequest(c, deep(10_000)), expect: 400 },
      {
        name: 'arrays nested 10,000 deep',
        req: jsonRequest(c, `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
        expect: 400,
      },
      { name: 'JSON nested 200 deep', req: jsonRequest(c, deep(200)), expect: 400 },
    ];
  },
  'hostile headers': (c) => {
    const cred = credentialHeaders(c);
    const body = JSON.stringify(INVALID_BODY);
    const base = { method: c.method, path: pathOf(c) };
    const credHeader = c.spec.credential === 'admin' ? 'x-admin-key' : 'authorization';
    const credValue = cred[0]?.[1] ?? `Bearer ${c.f.client.apiKey}`;
    const wrongCred = credHeader === 'x-admin-key' ? `${TEST_ADMIN_KEY}x` : `Bearer ${randomKey()}`;
    return [
      {
        name: 'an absurd Content-Type',
        req: { ...base, headers: [...cred, ['content-type', 'application/x-sweep; boundary=???']], body: 'hello' },
        expect: 415,
      },
      {
        name: 'Content-Type text/plain with a JSON body',
        req: { ...base, headers: [...cred, ['content-type', 'text/plain']], body },
        expect: 415,
      },
      {
        name: 'a body without a Content-Type',
        req: { ...base, headers: cred, body },
        expect: 415,
      },
      {
        name: 'an unknown charset',
        req: { ...base, headers: [...cred, ['content-type', 'application/json; charset=klingon']], body },
        expect: 415,
      },
      {
        name: 'Content-Length shorter than the body',
        req: { ...base, headers: [...cred, JSON_CT], body: '{"sweepUnknownField":true}', contentLength: 5 },
        expect: 400,
      },
      {
        name: 'Content-Length longer than the body, then the client gives up',
        req: { ...base, headers: [...cred, JSON_CT], body, contentLength: body.length + 100, endAfterWrite: true },
        expect: 'no-answer-or-4xx',
      },
      {
        name: 'Content-Length and Transfer-Encoding together',
        req: {
          ...base,
          headers: [...cred, JSON_CT, ['transfer-encoding', 'chunked']],
          body: `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
        },
        expect: 400,
      },
      {
        name: 'two different Content-Lengths',
        req: { ...base, headers: [...cred, JSON_CT, ['content-length', '1']], body },
        expect: 400,
      },
      {
        name: 'a 20 KB header value',
        req: { ...base, headers: [...cred, ['x-sweep', 'a'.repeat(20_000)]] },
        expect: 431,
      },
      {
        name: 'a 20 KB credential',
        req: { ...base, headers: [[credHeader, `${credValue}${'a'.repeat(20_000)}`]] },
        expect: 431,
      },
      {
        name: 'an 8 KB credential',
        req: { ...base, headers: [[credHeader, `${credValue}${'a'.repeat(8_000)}`]] },
        expect: 401,
      },
      {
        name: 'the credential twice: a wrong one, then the right one',
        req: {
          ...base,
          headers: [
            [credHeader, wrongCred],
            [credHeader, credValue],
          ],
        },
        expect: 401,
      },
      {
        name: 'the credential twice: the right one, then a wrong one',
        req: {
          ...base,
          headers: [
            [credHeader, credValue],
            [credHeader, wrongCred],
          ],
        },
        expect: 401,
      },
      {
        name: 'the right credential twice',
        req: {
          ...base,
          headers: [
            [credHeader, credValue],
            [credHeader, credValue],
          ],
        },
        expect: 401,
      },
      {
        name: 'a non-ASCII credential',
        req: { ...base, headers: [[credHeader, Buffer.from(`${credValue.slice(0, 20)}ключ`, 'utf8')]] },
        expect: 401,
      },
      {
        name: 'a control byte in a header value',
        req: { ...base, headers: [...cred, ['x-sweep', Buffer.from([0x61, 0x01, 0x62])]] },
        expect: 400,
      },
      {
        name: 'a header name with a space',
        req: { ...base, headers: [...cred, ['x sweep', 'a']] },
        expect: 400,
      },
    ];
  },
  'malformed path parameters': (c) =>
    Object.entries(c.spec.params ?? {}).flatMap(([name, { kind }]) =>
      BAD_PARAMS[kind].map((value) => ({
        name: `${name} = ${value.slice(0, 40)}`,
        req: jsonRequest(c, c.spec.body?.(c.f) ?? {}, { path: pathOf(c, { [name]: value }) }),
        expect: [400, 404],
      })),
    ),
  'bad query strings': (c) => {
    const declared = (c.operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const path = pathOf(c);
    const get = (query: string): RawRequest => ({
      method: c.method,
      path: `${path}?${query}`,
      headers: credentialHeaders(c),
    });
    const cases: Case[] = declared.flatMap((name) => {
      const bad = BAD_QUERY[name];
      if (!bad) throw new Error(`${c.route}: query parameter ${name} has no entry in BAD_QUERY`);
      return [
        ...bad.map((value) => ({
          name: `${name}=${value.slice(0, 40)}`,
          req: get(`${name}=${value}`),
          expect: 400,
          field: name,
        })),
        { name: `${name} repeated`, req: get(`${name}=1&${name}=2`), expect: 400, field: name },
        // The event streams read only lastEventId and ignore other parameters, as `lastEventId[]` is to them.
        ...(c.spec.sse
          ? []
          : [
              { name: `${name}[] as an array`, req: get(`${name}[]=1`), expect: 400 },
              { name: `${name}[a]=1 as an object`, req: get(`${name}[a]=1`), expect: 400 },
            ]),
      ];
    });
    if (c.spec.sse) {
      cases.push(
        ...['abc', '-1', '1.5', '0x10', '1,2'].map((value) => ({
          name: `Last-Event-ID ${value}`,
          req: {
            method: c.method,
            path,
            headers: [...credentialHeaders(c), ['last-event-id', value]] as [string, string][],
          },
          expect: 400,
          field: 'Last-Event-ID',
        })),
      );
    } else if (declared.length) {
      cases.push({ name: 'an unknown query parameter', req: get('sweepUnknown=1'), expect: 400 });
    }
    return cases;
  },
  'wrong and revoked keys': (c) => {
    const withHeaders = (headers: [string, string][]): RawRequest => ({
      ...jsonRequest(c, c.spec.body?.(c.f) ?? {}),
      headers: [...headers, JSON_CT],
    });
    const cases: Case[] = [
      {
        name: 'a well-formed unknown key',
        req: withHeaders([['authorization', `Bearer ${randomKey()}`]]),
        expect: 401,
      },
      { name: 'a revoked key', req: withHeaders([['authorization', `Bearer ${c.f.revoked.apiKey}`]]), expect: 401 },
      { name: 'a wrong admin key', req: withHeaders([['x-admin-key', `${TEST_ADMIN_KEY}x`]]), expect: 401 },
    ];
    if (c.spec.credential !== 'none') cases.push({ name: 'no key', req: withHeaders([]), expect: 401 });
    return cases;
  },
  "another agent's command": (c) =>
    c.spec.agentCommand
      ? [
          {
            name: "a valid report on another agent's attempt",
            req: jsonRequest(c, c.spec.body!(c.f), { path: pathOf(c, { id: c.f.othersHeld }) }),
            expect: 403,
          },
        ]
      : [],
};

/** `valid` as JSON with `field` set to the raw JSON text `raw` first. */
function withRawField(field: string, raw: string, valid: Record<string, unknown>): string {
  const rest = JSON.stringify(valid).slice(1);
  return `{"${field}":${raw}${rest === '}' ? '' : ','}${rest}`;
}

function randomKey(): string {
  return `sy_${randomBytes(16).toString('hex')}_${randomBytes(32).toString('base64url')}`;
}

describe('bad-input sweep over HTTP: every route × every generator', () => {
  let t: TestEnv;
  let gateway: INestApplication;
  let dispatcher: INestApplication;
  let nc: NatsConnection;
  let port: number;
  let operations: Map<string, OpenApiOperation>;
  let f: Fixtures;
  let before: Record<string, string>;
  let streamsBefore: Record<string, number>;

  async function streamSequences(): Promise<Record<string, number>> {
    const jsm = await jetstreamManager(nc);
    const out: Record<string, number> = {};
    for (const name of Object.values(streamsFor(t.namespace)))
      out[name] = (await jsm.streams.info(name)).state.last_seq;
    return out;
  }

  beforeAll(async () => {
    t = await createTestEnv({ MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) });
    gateway = await bootGateway(t);
    await gateway.listen(0, '127.0.0.1');
    port = (gateway.getHttpServer().address() as AddressInfo).port;
    const moduleRef = await Test.createTestingModule({
      imports: [DispatcherModule.forRoot(t.config('dispatcher'))],
    }).compile();
    dispatcher = moduleRef.createNestApplication({ logger: ['fatal'] });
    await dispatcher.init();
    nc = await connect({ servers: t.natsUrl });
    operations = await openApiOperations(gateway);

    const http = () => request(gateway.getHttpServer());
    const client = await mintClient(gateway, 'sweep-client');
    const agent = await mintAgent(gateway, 'sweep-a', { pools: ['sweep-pool'] });
    const otherAgent = await mintAgent(gateway, 'sweep-b');
    const revoked = await mintClient(gateway, 'sweep-revoked');
    expect((await http().delete(`/v1/admin/keys/${revoked.keyId}`).set('x-admin-key', TEST_ADMIN_KEY)).status).toBe(
      204,
    );
    const victim = await mintClient(gateway, 'sweep-victim');
    const [held] = await seedCommands(t.pool, 1, { target: 'sweep-a', caller: `client:${client.clientId}` });
    const [othersHeld] = await seedCommands(t.pool, 1, { target: 'sweep-b', caller: `client:${client.clientId}` });
    const claimed = await claimForDispatch(
      t.pool,
      [
        { commandId: held.id, agentId: 'sweep-a' },
        { commandId: othersHeld.id, agentId: 'sweep-b' },
      ],
      new Date(),
    );
    expect(claimed).toHaveLength(2);
    const [own] = await seedCommands(t.pool, 1, {
      targetKind: 'pool',
      target: 'sweep-pool',
      caller: `client:${client.clientId}`,
    });
    const topic = await http()
      .post('/v1/topics')
      .set('authorization', `Bearer ${client.apiKey}`)
      .send(topicBody([3_600_000, 7_200_000, 10_800_000, 14_400_000]));
    expect(topic.status).toBe(201);
    const schedule = await http()
      .post('/v1/schedules')
      .set('authorization', `Bearer ${client.apiKey}`)
      .send({ name: 'sweep', cron: '0 0 1 1 *', timezone: 'UTC', command: { target: { pool: 'p' }, type: 'x' } });
    expect(schedule.status).toBe(201);
    const trigger = await http()
      .post('/v1/triggers')
      .set('authorization', `Bearer ${client.apiKey}`)
      .send({ subjectPattern: 'sweep.fixture', target: { pool: 'sweep-pool' }, type: 'x' });
    expect(trigger.status).toBe(201);
    const deadLetter = await seedDeadLetter(t.pool, `client:${client.clientId}`);
    f = {
      client,
      agent,
      otherAgent,
      revoked,
      held: held.id,
      othersHeld: othersHeld.id,
      own: own.id,
      topic: topic.body.id,
      schedule: schedule.body.id,
      trigger: trigger.body.id,
      deadLetter,
      victimKey: victim.keyId,
    };
    before = await tableFingerprints(t.pool);
    streamsBefore = await streamSequences();
  });

  afterAll(async () => {
    await nc?.close();
    await dispatcher?.close();
    await gateway?.close();
    await t?.teardown();
  });

  it('every route in the OpenAPI document has a sweep entry, and every entry a route', () => {
    expect([...operations.keys()].sort()).toEqual(Object.keys(ROUTES).sort());
  });

  const cases = Object.keys(ROUTES).flatMap((route) =>
    Object.keys(GENERATORS).map((generator) => ({ route, generator })),
  );

  it.each(cases)('$route: $generator', async ({ route, generator }) => {
    const operation = operations.get(route);
    if (!operation) throw new Error(`${route} is not in the OpenAPI document`);
    const [method] = route.split(' ');
    const generated = GENERATORS[generator]({ route, method, spec: ROUTES[route], operation, f });
    const failures: string[] = [];
    await inParallel(generated, 4, async (c) => {
      const res = await rawHttp(port, c.req);
      const problem = judge(c, res);
      if (problem) failures.push(`${c.name}: ${problem}`);
    });
    expect(failures).toEqual([]);
  });

  it('afterwards no message reached a stream and every table is byte-identical', async () => {
    expect(await streamSequences()).toEqual(streamsBefore);
    expect(await tableFingerprints(t.pool)).toEqual(before);
  });

  it('afterwards the gateway is still ready and still serves a good request', async () => {
    const ready = await request(gateway.getHttpServer()).get('/health/ready');
    expect(ready.status).toBe(200);
    const own = await request(gateway.getHttpServer())
      .get(`/v1/commands/${f.own}`)
      .set('authorization', `Bearer ${f.client.apiKey}`);
    expect(own.status).toBe(200);
  });
});

/** What is wrong with an answer, or undefined when it is the refusal the case expects. */
function judge(c: Case, res: RawResponse): string | undefined {
  const seen = `${res.status ?? 'no answer'} ${res.headers['content-type'] ?? ''} ${res.body.slice(0, 300)}`;
  if (c.expect === 'no-answer-or-4xx') {
    if (res.status === undefined) return undefined;
    if (res.status < 400 || res.status >= 500) return `expected no answer or a 4xx, got ${seen}`;
  } else {
    const allowed = Array.isArray(c.expect) ? c.expect : [c.expect];
    if (!allowed.includes(res.status ?? 0)) return `expected ${allowed.join(' or ')}, got ${seen}`;
  }
  if (!PROBLEM_JSON.test(res.headers['content-type'] ?? '')) return `not application/problem+json: ${seen}`;
  let body: { status?: number; title?: string; detail?: string; errors?: { field: string; message: string }[] };
  try {
    body = JSON.parse(res.body);
  } catch {
    return `body is not JSON: ${seen}`;
  }
  if (body.status !== res.status || !body.title || !body.detail) return `not a useful problem: ${seen}`;
  if (c.field !== undefined && !body.errors?.some((e) => e.field === c.field || e.field.startsWith(`${c.field}.`))) {
    return `errors do not name ${c.field}: ${seen}`;
  }
  if (c.onlyField !== undefined) {
    const others = (body.errors ?? []).filter(
      (e) =>
        !(c.onlyField === '' ? e.field === '(root)' : e.field === c.onlyField || e.field.startsWith(`${c.onlyField}.`)),
    );
    if (!body.errors?.length || others.length) return `expected errors about ${c.onlyField || '(root)'} only: ${seen}`;
  }
  return undefined;
}
