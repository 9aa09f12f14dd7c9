import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, errors, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { consumersFor, streamsFor, subjectsFor } from '@switchyard/messaging';
import { claimExpiredLeases } from '@switchyard/persistence';
import request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { jobs, recordingRunner } from '../../support/ticker';
import { waitFor } from '../../support/wait';
import { bootGateway, mintAgent, mintClient, PROBLEM_JSON } from './in-process-gateway';

/**
 * Agents that speak only HTTP (`/v1/agent/...`): the gateway and the
 * dispatcher run in this process on real Postgres and NATS JetStream. An
 * agent opens a session, long-polls for the attempts the dispatcher left for
 * it in the ledger, and reports on them; each report is judged against the
 * ledger before it is stored for the dispatcher.
 */

/** Retries come due at once, so the dispatcher re-offers them without an orchestrator. */
const NO_BACKOFF = { kind: 'constant', baseMs: 0, maxMs: 0, jitter: false };

/** Postgres and this process share a clock; allow for rounding to the millisecond. */
const CLOCK_SLACK_MS = 5;

interface Claimed {
  id: string;
  type: string;
  payload: unknown;
  attempt: number;
  deadlineAt: string;
  ackTimeoutMs: number;
  heartbeatTimeoutMs: number;
  depth: number;
  caller: string;
  traceparent: string;
}

describe('HTTP agents (gateway and dispatcher in-process, real Postgres and NATS)', () => {
  let t: TestEnv;
  let gateway: INestApplication;
  let dispatcher: INestApplication;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let client: { apiKey: string; clientId: string };

  const http = () => request(gateway.getHttpServer());
  const asAgent = (key: string, path: string, body: object = {}) =>
    http().post(path).set('authorization', `Bearer ${key}`).send(body);
  const claim = (key: string, body: object) => asAgent(key, '/v1/agent/commands/claim', body);
  const report = (key: string, id: string, kind: string, body: object) =>
    asAgent(key, `/v1/agent/commands/${id}/${kind}`, body);

  async function submit(agentId: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await http()
      .post('/v1/commands')
      .set('authorization', `Bearer ${client.apiKey}`)
      .send({ target: { agent: agentId }, type: 'echo', payload: { to: agentId }, backoff: NO_BACKOFF, ...extra });
    expect(res.status).toBe(202);
    return res.body.id as string;
  }

  async function row(id: string) {
    const { rows } = await t.pool.query('SELECT * FROM commands WHERE id = $1', [id]);
    return rows[0];
  }

  async function events(id: string) {
    const { rows } = await t.pool.query(
      `SELECT event, from_state, to_state, attempt, agent_id FROM command_events WHERE command_id = $1 ORDER BY id`,
      [id],
    );
    return rows;
  }

  async function agentRow(id: string) {
    const { rows } = await t.pool.query(
      'SELECT status, session_id, transport, activity, detail, last_heartbeat_at FROM agents WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  function waitForRow(id: string, what: string, check: (r: Record<string, any>) => boolean) {
    return waitFor(`command ${id}: ${what}`, async () => {
      const r = await row(id);
      return r && check(r) ? r : undefined;
    });
  }

  /** The last sequence stored on the REPORTS stream: unchanged means nothing was sent to the dispatcher. */
  async function reportsSeq(): Promise<number> {
    return (await jsm.streams.info(streamsFor(t.namespace).reports)).state.last_seq;
  }

  /** Resolves once the dispatcher has settled everything stored so far on a stream it consumes. */
  async function dispatcherSettled(stream: 'reports' | 'agentStatus'): Promise<void> {
    const name = streamsFor(t.namespace)[stream];
    const durable =
      stream === 'reports' ? consumersFor(t.namespace).dispatcherReports : consumersFor(t.namespace).dispatcherStatus;
    const last = (await jsm.streams.info(name)).state.last_seq;
    await waitFor(`the dispatcher to settle ${stream} up to seq ${last}`, async () => {
      const info = await jsm.consumers.info(name, durable);
      return info.ack_floor.stream_seq >= last && info.num_ack_pending === 0 && info.num_pending === 0;
    });
  }

  /** Registers an agent, opens an HTTP session and waits until the dispatcher applied it. */
  async function onlineAgent(id: string, concurrency = 1): Promise<{ key: string; sessionId: string }> {
    const { apiKey } = await mintAgent(gateway, id, { pools: [], concurrency });
    const res = await asAgent(apiKey, '/v1/agent/sessions', {});
    expect(res.status).toBe(201);
    const sessionId = res.body.sessionId as string;
    await waitFor(`agent ${id} online over http`, async () => {
      const a = await agentRow(id);
      return a.status === 'idle' && a.transport === 'http' && a.session_id === sessionId;
    });
    return { key: apiKey, sessionId };
  }

  /** Waits until `count` attempts are dispatched to the agent (and not handed out yet). */
  function dispatchedTo(agentId: string, count: number) {
    return waitFor(`${count} attempts dispatched to ${agentId}`, async () => {
      const { rows } = await t.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM commands WHERE assigned_agent = $1 AND state = 'dispatched'`,
        [agentId],
      );
      return rows[0].n === count;
    });
  }

  /**
   * Whether a claim of this agent is waiting: it listens on the agent's wake
   * subject, so a request there times out instead of finding no responders.
   * (The probe rings the waiting claim, which only makes it read the ledger again.)
   */
  async function claimWaiting(agentId: string): Promise<boolean> {
    try {
      await nc.request(subjectsFor(t.namespace).wake(agentId), undefined, { timeout: 100 });
      return true;
    } catch (err) {
      if (err instanceof errors.NoRespondersError || (err instanceof errors.RequestError && err.isNoResponders())) {
        return false;
      }
      return true;
    }
  }

  /** Ids the ticker's ack sweep would take back now (their `dispatched` lease ran out). */
  async function expiredDispatched(): Promise<string[]> {
    return (await claimExpiredLeases(t.pool, 'dispatched', new Date(), 1_000)).map((r) => r.id);
  }

  /** The gateway on a real port (for a client that goes away mid-request). */
  async function listening(): Promise<string> {
    if (!gatewayUrl) {
      await gateway.listen(0, '127.0.0.1');
      gatewayUrl = (await gateway.getUrl()).replace('[::1]', '127.0.0.1');
    }
    return gatewayUrl;
  }
  let gatewayUrl: string | undefined;

  /** Claims (no wait) until the agent holds the command's attempt `attempt`. */
  async function claimOne(key: string, id: string, attempt = 1): Promise<Claimed> {
    const res = await claim(key, { max: 1, waitMs: 10_000 });
    expect(res.status).toBe(200);
    expect(res.body.commands.map((c: Claimed) => [c.id, c.attempt])).toEqual([[id, attempt]]);
    return res.body.commands[0] as Claimed;
  }

  beforeAll(async () => {
    t = await createTestEnv();
    gateway = await bootGateway(t);
    const moduleRef = await Test.createTestingModule({
      imports: [DispatcherModule.forRoot(t.config('dispatcher'))],
    }).compile();
    dispatcher = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
    await dispatcher.init();
    client = await mintClient(gateway, 'http-agents-client');
    nc = await connect({ servers: t.natsUrl });
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await gateway?.close();
    await dispatcher?.close();
    await t?.teardown();
  });

  it('happy path: session, claim, accept, heartbeat, complete; a repeated complete is 200 stored:false', async () => {
    const { key, sessionId } = await onlineAgent('happy');
    expect(sessionId).toEqual(expect.any(String));
    const id = await submit('happy', { payload: { hello: 'http' } });

    const claimed = await claimOne(key, id);
    expect(claimed).toEqual({
      id,
      type: 'echo',
      payload: { hello: 'http' },
      attempt: 1,
      deadlineAt: expect.any(String),
      ackTimeoutMs: expect.any(Number),
      heartbeatTimeoutMs: expect.any(Number),
      depth: 0,
      caller: expect.any(String),
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
    expect(new Date(claimed.deadlineAt).getTime()).toBeGreaterThan(Date.now());

    const accept = await report(key, id, 'accept', { attempt: 1 });
    expect(accept.status).toBe(202);
    expect(accept.body).toEqual({ stored: true, commandId: id, attempt: 1, state: 'dispatched' });
    await waitForRow(id, 'running', (r) => r.state === 'running');

    const again = await report(key, id, 'accept', { attempt: 1 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ stored: false, state: 'running' });

    const beat = await report(key, id, 'heartbeat', { attempt: 1 });
    expect(beat.status).toBe(202);
    expect(beat.body).toMatchObject({ stored: true, state: 'running' });
    const progress = await report(key, id, 'heartbeat', { attempt: 1, progress: { done: 50 } });
    expect(progress.status).toBe(202);

    const complete = await report(key, id, 'complete', { attempt: 1, result: { answer: 42 } });
    expect(complete.status).toBe(202);
    expect(complete.body).toEqual({ stored: true, commandId: id, attempt: 1, state: 'running' });
    const done = await waitForRow(id, 'succeeded', (r) => r.state === 'succeeded');
    expect(done).toMatchObject({ attempt: 1, assigned_agent: 'happy', result: { answer: 42 } });

    const before = await reportsSeq();
    const replay = await report(key, id, 'complete', { attempt: 1, result: { answer: 42 } });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ stored: false, commandId: id, attempt: 1, state: 'succeeded' });
    expect(await reportsSeq()).toBe(before);

    expect((await events(id)).map((e) => [e.event, e.to_state, e.attempt])).toEqual([
      ['submit', 'queued', 0],
      ['claim', 'dispatched', 1],
      ['accept', 'running', 1],
      ['succeed', 'succeeded', 1],
    ]);
    // The same attempt is never handed out twice.
    const empty = await claim(key, { max: 10, waitMs: 0 });
    expect(empty.body).toEqual({ commands: [] });
  });

  describe('long poll', () => {
    it('a claim waiting before the submit returns the command once it is dispatched, well before waitMs', async () => {
      const { key } = await onlineAgent('poller');
      const waitMs = 20_000;
      const started = Date.now();
      const pending = claim(key, { max: 5, waitMs }).then((res) => ({ res, returnedAt: Date.now() }));
      await waitFor('the claim to wait', () => claimWaiting('poller'));
      const id = await submit('poller');
      const submittedAt = Date.now();
      const { res, returnedAt } = await pending;
      expect(res.status).toBe(200);
      expect(res.body.commands.map((c: Claimed) => [c.id, c.attempt])).toEqual([[id, 1]]);
      expect(returnedAt - started).toBeLessThan(waitMs / 4);
      // Woken by the dispatcher, not by the gateway's once-a-second re-read of the ledger.
      expect(returnedAt - submittedAt).toBeLessThan(500);
    });

    it('a waiting claim whose client went away takes nothing: the next claim gets the attempt', async () => {
      const { key } = await onlineAgent('leaver');
      const url = await listening();
      const gone = new AbortController();
      const abandoned = fetch(`${url}/v1/agent/commands/claim`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ max: 1, waitMs: 10_000 }),
        signal: gone.signal,
      }).catch((err: unknown) => err);
      await waitFor('the claim to wait', () => claimWaiting('leaver'));
      gone.abort();
      expect(await abandoned).toMatchObject({ name: 'AbortError' });
      await waitFor('the gateway to notice and stop waiting', async () => !(await claimWaiting('leaver')));
      const id = await submit('leaver');
      await dispatchedTo('leaver', 1);
      await claimOne(key, id, 1);
    });

    it('an HTTP agent serves the pools its session names', async () => {
      const { apiKey } = await mintAgent(gateway, 'pooled', { pools: [], concurrency: 1 });
      const opened = await asAgent(apiKey, '/v1/agent/sessions', { pools: ['http-pool'], concurrency: 2 });
      expect(opened.status).toBe(201);
      expect(opened.body).toMatchObject({
        pools: ['http-pool'],
        concurrency: 2,
        livenessTimeoutMs: expect.any(Number),
      });
      await waitFor('pooled online', async () => (await agentRow('pooled')).session_id === opened.body.sessionId);
      const res = await http()
        .post('/v1/commands')
        .set('authorization', `Bearer ${client.apiKey}`)
        .send({ target: { pool: 'http-pool' }, type: 'pool.work' });
      expect(res.status).toBe(202);
      await claimOne(apiKey, res.body.id, 1);
      expect(await row(res.body.id)).toMatchObject({ state: 'dispatched', assigned_agent: 'pooled' });
    });

    it('a claim with nothing to do returns [] after about waitMs', async () => {
      const { key } = await onlineAgent('idler');
      const started = Date.now();
      const res = await claim(key, { waitMs: 1_500 });
      const elapsed = Date.now() - started;
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ commands: [] });
      expect(elapsed).toBeGreaterThanOrEqual(1_400);
      expect(elapsed).toBeLessThan(4_000);
    });

    it('max is respected: 5 dispatched attempts come out 2, 2, 1, oldest first, each once', async () => {
      const { key } = await onlineAgent('bounded', 5);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await submit('bounded'));
      await dispatchedTo('bounded', 5);
      const sizes: number[] = [];
      const got: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await claim(key, { max: 2, waitMs: 0 });
        expect(res.status).toBe(200);
        sizes.push(res.body.commands.length);
        got.push(...res.body.commands.map((c: Claimed) => c.id));
      }
      expect(sizes).toEqual([2, 2, 1, 0]);
      expect(got).toEqual([...ids].sort());
    });

    it('the ack timeout runs from the hand-out: an attempt that waited in the ledger past it is not taken back', async () => {
      const { key } = await onlineAgent('patient');
      const ackTimeoutMs = 1_000;
      const id = await submit('patient', { ackTimeoutMs });
      await dispatchedTo('patient', 1);
      // The agent's only slot stays busy past the attempt's first lease.
      await waitFor('its first lease to run out', async () => (await expiredDispatched()).includes(id));

      const handedAt = Date.now();
      await claimOne(key, id, 1);
      const lease = (await row(id)).lease_expires_at as Date;
      expect(lease.getTime()).toBeGreaterThanOrEqual(handedAt + ackTimeoutMs - CLOCK_SLACK_MS);
      // The ticker's ack sweep no longer finds it, and the agent's accept stands.
      expect(await expiredDispatched()).not.toContain(id);
      expect((await report(key, id, 'accept', { attempt: 1 })).status).toBe(202);
      await waitForRow(id, 'running', (r) => r.state === 'running' && r.attempt === 1);
    });

    it('attempts are handed out in the order they were dispatched: a retry (older id) waits its turn', async () => {
      // One slot, so room for two attempts (DISPATCH_PREFETCH 2).
      const { key } = await onlineAgent('fifo');
      const first = await submit('fifo');
      await claimOne(key, first, 1);
      const second = await submit('fifo');
      await dispatchedTo('fifo', 2);
      expect((await report(key, first, 'fail', { attempt: 1, error: { message: 'again' } })).status).toBe(202);
      // The retry is dispatched after `second`, though its id is older.
      await waitForRow(first, 'dispatched again', (r) => r.state === 'dispatched' && r.attempt === 2);
      expect(first < second).toBe(true);

      const handed: string[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await claim(key, { max: 1 });
        handed.push(...res.body.commands.map((c: Claimed) => `${c.id}:${c.attempt}`));
      }
      expect(handed).toEqual([`${second}:1`, `${first}:2`]);
    });

    it('an attempt the ack sweep finds waiting for the slot of a busy agent is released: no attempt used, never handed out', async () => {
      const { key } = await onlineAgent('unclaimed');
      // The agent's one slot is taken by an attempt it claimed and accepted.
      const busy = await submit('unclaimed');
      await claimOne(key, busy, 1);
      expect((await report(key, busy, 'accept', { attempt: 1 })).status).toBe(202);
      // One attempt in all: an ack timeout would fail it for good.
      const id = await submit('unclaimed', { ackTimeoutMs: 1_000, maxAttempts: 1 });
      await waitForRow(id, 'dispatched behind the busy slot', (r) => r.state === 'dispatched');
      await waitFor('its lease to run out', async () => (await expiredDispatched()).includes(id));

      // The orchestrator's ack-timeout job, on this Postgres (its after-commit effects recorded, not sent).
      const { runner, effects } = recordingRunner(t.pool, { jobs: [jobs.ackTimeout] });
      expect(await runner.pass(jobs.ackTimeout)).toMatchObject({ claimed: 1, applied: 1 });

      expect(await row(id)).toMatchObject({ state: 'queued', attempt: 1, max_attempts: 2, error: null });
      expect((await events(id)).map((e) => [e.event, e.to_state, e.attempt])).toEqual([
        ['submit', 'queued', 0],
        ['claim', 'dispatched', 1],
        ['release', 'queued', 1],
      ]);
      expect(effects.map((e) => e.kind)).toEqual(['lifecycle', 'offer']);
      // The agent can no longer claim or accept that attempt.
      expect((await claim(key, { max: 1 })).body.commands).toEqual([]);
      expect((await report(key, id, 'accept', { attempt: 1 })).status).toBe(409);
    });

    it('an attempt left unclaimed past its ack timeout by an agent with a free slot times out', async () => {
      await onlineAgent('idle-claimer');
      const id = await submit('idle-claimer', { ackTimeoutMs: 1_000, maxAttempts: 1 });
      await dispatchedTo('idle-claimer', 1);
      await waitFor('its lease to run out', async () => (await expiredDispatched()).includes(id));

      const { runner } = recordingRunner(t.pool, { jobs: [jobs.ackTimeout] });
      expect(await runner.pass(jobs.ackTimeout)).toMatchObject({ claimed: 1, applied: 1 });
      expect(await row(id)).toMatchObject({ state: 'failed', attempt: 1, error: { code: 'ack_timeout' } });
    });

    it('two concurrent claims of one agent never return the same attempt (ready and long-polling)', async () => {
      const { key } = await onlineAgent('racer', 6);
      const ready: string[] = [];
      for (let i = 0; i < 6; i++) ready.push(await submit('racer'));
      await dispatchedTo('racer', 6);
      const [a, b] = await Promise.all([claim(key, { max: 6 }), claim(key, { max: 6 })]);
      const first = [...a.body.commands, ...b.body.commands].map((c: Claimed) => `${c.id}:${c.attempt}`);
      expect(first).toHaveLength(6);
      expect(new Set(first).size).toBe(6);

      // Now both wait before the work exists.
      // supertest sends a request only once it is awaited: `then` starts both now.
      const waiting = [1, 2].map(() => claim(key, { max: 6, waitMs: 3_000 }).then((res) => res));
      await waitFor('the claims to wait', () => claimWaiting('racer'));
      const later: string[] = [];
      for (let i = 0; i < 6; i++) later.push(await submit('racer'));
      const handed: string[] = [];
      for (const res of await Promise.all(waiting)) {
        expect(res.status).toBe(200);
        handed.push(...res.body.commands.map((c: Claimed) => `${c.id}:${c.attempt}`));
      }
      // Whatever the waiting pair did not get is collected now; in all, each attempt exactly once.
      await dispatchedTo('racer', 12);
      const rest = await claim(key, { max: 100 });
      handed.push(...rest.body.commands.map((c: Claimed) => `${c.id}:${c.attempt}`));
      expect(handed.sort()).toEqual(later.map((id) => `${id}:1`).sort());
      expect((await claim(key, { max: 100 })).body).toEqual({ commands: [] });
    });
  });

  it('a retryable fail is retried as attempt 2; a late report for attempt 1 is 409 and changes nothing', async () => {
    const { key } = await onlineAgent('retrier');
    const id = await submit('retrier', { maxAttempts: 3 });
    await claimOne(key, id, 1);
    expect((await report(key, id, 'accept', { attempt: 1 })).status).toBe(202);
    await waitForRow(id, 'running', (r) => r.state === 'running');
    const fail = await report(key, id, 'fail', { attempt: 1, error: { message: 'boom', code: 'E_BOOM' } });
    expect(fail.status).toBe(202);
    expect(fail.body).toMatchObject({ stored: true, attempt: 1 });

    await claimOne(key, id, 2);
    const rowBefore = await row(id);
    expect(rowBefore).toMatchObject({ state: 'dispatched', attempt: 2, assigned_agent: 'retrier' });
    const eventsBefore = await events(id);
    expect(eventsBefore.map((e) => [e.event, e.to_state, e.attempt])).toEqual([
      ['submit', 'queued', 0],
      ['claim', 'dispatched', 1],
      ['accept', 'running', 1],
      ['fail', 'queued', 1],
      ['claim', 'dispatched', 2],
    ]);
    const seqBefore = await reportsSeq();

    for (const [kind, body] of [
      ['accept', { attempt: 1 }],
      ['heartbeat', { attempt: 1 }],
      ['complete', { attempt: 1, result: 'late' }],
      ['fail', { attempt: 1, error: { message: 'late' } }],
      ['release', { attempt: 1 }],
    ] as const) {
      const res = await report(key, id, kind, body);
      expect({ kind, status: res.status }).toEqual({ kind, status: 409 });
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 409, state: 'dispatched', attempt: 2 });
      expect(res.body.type).toMatch(/stale-attempt$/);
    }
    expect(await reportsSeq()).toBe(seqBefore);
    await dispatcherSettled('reports');
    expect(await row(id)).toEqual(rowBefore);
    expect(await events(id)).toEqual(eventsBefore);

    // Attempt 2 still finishes normally.
    expect((await report(key, id, 'complete', { attempt: 2, result: { second: true } })).status).toBe(202);
    await waitForRow(id, 'succeeded on attempt 2', (r) => r.state === 'succeeded' && r.attempt === 2);
  });

  it('a non-retryable fail ends the command failed; the same fail again is 200, a complete 409', async () => {
    const { key } = await onlineAgent('failer');
    const id = await submit('failer', { maxAttempts: 3 });
    await claimOne(key, id, 1);
    const body = { attempt: 1, error: { message: 'bad input', code: 'E_INPUT' }, retryable: false };
    expect((await report(key, id, 'fail', body)).status).toBe(202);
    const failed = await waitForRow(id, 'failed', (r) => r.state === 'failed');
    expect(failed).toMatchObject({ attempt: 1, error: { message: 'bad input', code: 'E_INPUT' } });
    const replay = await report(key, id, 'fail', body);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ stored: false, state: 'failed' });
    const late = await report(key, id, 'complete', { attempt: 1, result: 1 });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ state: 'failed', attempt: 1 });
    expect((await claim(key, { max: 10 })).body).toEqual({ commands: [] });
  });

  it('release hands the attempt back: it is dispatched again as attempt 2 and claimable', async () => {
    const { key } = await onlineAgent('releaser');
    const id = await submit('releaser');
    await claimOne(key, id, 1);
    expect((await report(key, id, 'release', { attempt: 1 })).status).toBe(202);
    await claimOne(key, id, 2);
    expect((await events(id)).map((e) => [e.event, e.to_state, e.attempt])).toEqual([
      ['submit', 'queued', 0],
      ['claim', 'dispatched', 1],
      ['release', 'queued', 1],
      ['claim', 'dispatched', 2],
    ]);
  });

  describe("reports on what is not the agent's", () => {
    let a: { key: string };
    let b: { key: string };
    let id: string;

    beforeAll(async () => {
      a = await onlineAgent('owner-a');
      b = await onlineAgent('owner-b');
      id = await submit('owner-a');
      await claimOne(a.key, id, 1);
    });

    it.each(['accept', 'heartbeat', 'complete', 'fail', 'release'])(
      "agent B's %s on agent A's attempt → 403, nothing stored or changed",
      async (kind) => {
        const rowBefore = await row(id);
        const eventsBefore = await events(id);
        const seqBefore = await reportsSeq();
        const res = await report(b.key, id, kind, {
          attempt: 1,
          ...(kind === 'fail' ? { error: { message: 'x' } } : {}),
        });
        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        expect(res.body).toMatchObject({ status: 403, title: 'Forbidden' });
        expect(await reportsSeq()).toBe(seqBefore);
        expect(await row(id)).toEqual(rowBefore);
        expect(await events(id)).toEqual(eventsBefore);
      },
    );

    it("a claim by agent B never returns agent A's attempt", async () => {
      expect((await claim(b.key, { max: 100 })).body).toEqual({ commands: [] });
    });

    it('an attempt of A that was never claimed (attempt 2) → 403 for A too', async () => {
      const res = await report(a.key, id, 'accept', { attempt: 2 });
      expect(res.status).toBe(403);
    });

    it('an unknown command id → 404 problem+json', async () => {
      const res = await report(a.key, uuidv7(), 'accept', { attempt: 1 });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 404, title: 'Not Found' });
    });

    it('a malformed command id → 400 problem+json', async () => {
      const res = await report(a.key, 'not-a-uuid', 'accept', { attempt: 1 });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 400, title: 'Bad Request' });
    });

    const bad: { name: string; path: (id: string) => string; body: unknown; field: string; message?: RegExp }[] = [
      { name: 'accept without attempt', path: (i) => `commands/${i}/accept`, body: {}, field: 'attempt' },
      { name: 'accept with attempt 0', path: (i) => `commands/${i}/accept`, body: { attempt: 0 }, field: 'attempt' },
      {
        name: 'accept with attempt as a string',
        path: (i) => `commands/${i}/accept`,
        body: { attempt: '1' },
        field: 'attempt',
      },
      {
        name: 'accept with attempt 1.5',
        path: (i) => `commands/${i}/accept`,
        body: { attempt: 1.5 },
        field: 'attempt',
      },
      {
        name: 'accept with an unknown field',
        path: (i) => `commands/${i}/accept`,
        body: { attempt: 1, colour: 'red' },
        field: '(root)',
        message: /colour/,
      },
      { name: 'heartbeat without attempt', path: (i) => `commands/${i}/heartbeat`, body: {}, field: 'attempt' },
      {
        name: 'complete with attempt -1',
        path: (i) => `commands/${i}/complete`,
        body: { attempt: -1, result: 1 },
        field: 'attempt',
      },
      { name: 'fail without error', path: (i) => `commands/${i}/fail`, body: { attempt: 1 }, field: 'error' },
      {
        name: 'fail with an error without message',
        path: (i) => `commands/${i}/fail`,
        body: { attempt: 1, error: { code: 'E' } },
        field: 'error.message',
      },
      {
        name: 'fail with an empty error message',
        path: (i) => `commands/${i}/fail`,
        body: { attempt: 1, error: { message: '' } },
        field: 'error.message',
      },
      {
        name: 'fail with retryable as a string',
        path: (i) => `commands/${i}/fail`,
        body: { attempt: 1, error: { message: 'x' }, retryable: 'yes' },
        field: 'retryable',
      },
      {
        name: 'fail with an unknown field in error',
        path: (i) => `commands/${i}/fail`,
        body: { attempt: 1, error: { message: 'x', stack: 'at …' } },
        field: 'error',
        message: /stack/,
      },
      {
        name: 'release with attempt null',
        path: (i) => `commands/${i}/release`,
        body: { attempt: null },
        field: 'attempt',
      },
      { name: 'claim with max 0', path: () => 'commands/claim', body: { max: 0 }, field: 'max' },
      { name: 'claim with max 101', path: () => 'commands/claim', body: { max: 101 }, field: 'max' },
      { name: 'claim with max as a string', path: () => 'commands/claim', body: { max: '2' }, field: 'max' },
      { name: 'claim with waitMs over 30000', path: () => 'commands/claim', body: { waitMs: 30_001 }, field: 'waitMs' },
      { name: 'claim with waitMs -1', path: () => 'commands/claim', body: { waitMs: -1 }, field: 'waitMs' },
      {
        name: 'claim with an unknown field',
        path: () => 'commands/claim',
        body: { max: 1, timeout: 5 },
        field: '(root)',
        message: /timeout/,
      },
      { name: 'session with concurrency 0', path: () => 'sessions', body: { concurrency: 0 }, field: 'concurrency' },
      {
        name: 'session with a pool that is not a slug',
        path: () => 'sessions',
        body: { pools: ['A B'] },
        field: 'pools.0',
      },
      { name: 'session heartbeat without sessionId', path: () => 'heartbeat', body: {}, field: 'sessionId' },
      { name: 'status without phase', path: () => 'status', body: {}, field: 'phase' },
      { name: 'status with an unknown phase', path: () => 'status', body: { phase: 'asleep' }, field: 'phase' },
      {
        name: 'status with a commandId that is not a UUID',
        path: () => 'status',
        body: { phase: 'busy', commandId: 'c1' },
        field: 'commandId',
      },
    ];

    it.each(bad)('$name → 400 problem+json naming $field, nothing stored', async ({ path, body, field, message }) => {
      const seqBefore = await reportsSeq();
      const rowBefore = await row(id);
      const res = await asAgent(a.key, `/v1/agent/${path(id)}`, body as object);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 400, title: 'Bad Request' });
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field, ...(message ? { message: expect.stringMatching(message) } : {}) }),
        ]),
      );
      expect(await reportsSeq()).toBe(seqBefore);
      expect(await row(id)).toEqual(rowBefore);
    });
  });

  it('a command cancelled while the HTTP agent holds it: its heartbeat and result are 409 with state cancelled', async () => {
    const { key } = await onlineAgent('cancelee');
    const id = await submit('cancelee');
    await claimOne(key, id, 1);
    expect((await report(key, id, 'accept', { attempt: 1 })).status).toBe(202);
    await waitForRow(id, 'running', (r) => r.state === 'running');

    const cancel = await http()
      .post(`/v1/commands/${id}/cancel`)
      .set('authorization', `Bearer ${client.apiKey}`)
      .send({ reason: 'no longer needed' });
    expect(cancel.status).toBe(200);
    const rowBefore = await waitForRow(id, 'cancelled', (r) => r.state === 'cancelled');
    const eventsBefore = await events(id);
    const seqBefore = await reportsSeq();

    const beat = await report(key, id, 'heartbeat', { attempt: 1 });
    expect(beat.status).toBe(409);
    expect(beat.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(beat.body).toMatchObject({ status: 409, state: 'cancelled', attempt: 1 });
    expect(beat.body.type).toMatch(/terminal$/);
    const complete = await report(key, id, 'complete', { attempt: 1, result: 'too late' });
    expect(complete.status).toBe(409);
    expect(complete.body).toMatchObject({ state: 'cancelled', attempt: 1 });

    expect(await reportsSeq()).toBe(seqBefore);
    expect(await row(id)).toEqual(rowBefore);
    expect(await events(id)).toEqual(eventsBefore);
  });

  describe('session and status', () => {
    it('status POSTs fold into the agents row (phase, activity, detail)', async () => {
      const { key, sessionId } = await onlineAgent('reporter');
      const res = await asAgent(key, '/v1/agent/status', {
        phase: 'busy',
        activity: 'thinking',
        detail: 'step 1 of 3',
        sessionId,
      });
      expect(res.status).toBe(202);
      await waitFor('busy / thinking', async () => {
        const a = await agentRow('reporter');
        return a.status === 'busy' && a.activity === 'thinking' && a.detail === 'step 1 of 3';
      });
      expect((await asAgent(key, '/v1/agent/status', { phase: 'draining', activity: 'wrapping up' })).status).toBe(202);
      await waitFor('draining / wrapping up', async () => {
        const a = await agentRow('reporter');
        return a.status === 'draining' && a.activity === 'wrapping up' && a.detail === null;
      });
    });

    it('a session heartbeat moves last_heartbeat_at', async () => {
      const { key, sessionId } = await onlineAgent('beater');
      const before = (await agentRow('beater')).last_heartbeat_at as Date;
      await new Promise((r) => setTimeout(r, 20)); // a clock tick, so the new timestamp is later
      expect((await asAgent(key, '/v1/agent/heartbeat', { sessionId })).status).toBe(202);
      await waitFor('a later heartbeat', async () => {
        const a = await agentRow('beater');
        return (a.last_heartbeat_at as Date).getTime() > before.getTime();
      });
    });

    it('closing the session takes the agent offline; a later status does not bring it back; a new session drains its work', async () => {
      const { key, sessionId } = await onlineAgent('closer');
      const closed = await http().delete(`/v1/agent/sessions/${sessionId}`).set('authorization', `Bearer ${key}`);
      expect(closed.status).toBe(204);
      await waitFor('closer offline', async () => {
        const a = await agentRow('closer');
        return a.status === 'offline' && a.session_id === null;
      });

      expect((await asAgent(key, '/v1/agent/status', { phase: 'idle', activity: 'ghost' })).status).toBe(202);
      await dispatcherSettled('agentStatus');
      expect(await agentRow('closer')).toMatchObject({ status: 'offline', session_id: null });

      // Work submitted while it is offline waits, and is dispatched to its next session.
      const id = await submit('closer');
      await waitFor('the command parked (no live agent)', async () => {
        const { rows } = await t.pool.query(
          `SELECT 1 FROM commands WHERE id = $1 AND state = 'queued' AND available_at = 'infinity'::timestamptz`,
          [id],
        );
        return rows.length === 1;
      });
      expect((await claim(key, { max: 10 })).body).toEqual({ commands: [] });
      const reopened = await asAgent(key, '/v1/agent/sessions', {});
      expect(reopened.status).toBe(201);
      expect(reopened.body.sessionId).not.toBe(sessionId);
      await claimOne(key, id, 1);
      expect(await agentRow('closer')).toMatchObject({
        status: 'idle',
        session_id: reopened.body.sessionId,
        transport: 'http',
      });
    });
  });
});
