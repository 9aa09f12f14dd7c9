import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type Agent, connect, connectHttp, type HandlerContext, type HttpAgent } from '@switchyard/agent-sdk';
import { streamsFor, subjectsFor } from '@switchyard/messaging';
import { NestPinoLogger } from '@switchyard/observability';
import pino from 'pino';
import request from 'supertest';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { GatewayModule } from '../../../apps/gateway/src/gateway.module';
import { setUpGateway } from '../../../apps/gateway/src/gateway.setup';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';
import { mintAgent, mintClient } from '../gateway/in-process-gateway';

/**
 * One command followed from an HTTP submit carrying a `traceparent` to the
 * SDK handler (a NATS agent and an HTTP agent) and back, with the gateway
 * and the dispatcher in this process on real Postgres and NATS: the trace id
 * is on the ledger row, on the lifecycle events (body and NATS header), in
 * the handler's context, on the agent's reports, and in the logs of every
 * hop. Then /metrics of both services is scraped before and after a command
 * runs, and the command series must have moved.
 */

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

type Line = Record<string, unknown>;

function captureLogs() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { lines, logger: new NestPinoLogger(pino({ level: 'debug' }, stream)) };
}

/** Value of one series in Prometheus text (0 when absent). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('trace context and metrics (gateway and dispatcher in-process, real Postgres and NATS)', () => {
  let t: TestEnv;
  let gateway: INestApplication;
  let dispatcher: INestApplication;
  let nc: NatsConnection;
  let clientKey: string;
  const agents: (Agent | HttpAgent)[] = [];
  const logs = captureLogs();
  const agentLogs: Line[] = [];
  const seen = new Map<string, HandlerContext>();

  const agentLogger = {
    debug: (fields: object, msg: string) => agentLogs.push({ ...fields, msg }),
    info: (fields: object, msg: string) => agentLogs.push({ ...fields, msg }),
    warn: (fields: object, msg: string) => agentLogs.push({ ...fields, msg }),
    error: (fields: object, msg: string) => agentLogs.push({ ...fields, msg }),
  };
  const handlers = {
    traced: (payload: unknown, ctx: HandlerContext) => {
      seen.set(ctx.commandId, ctx);
      return Promise.resolve(payload);
    },
  };

  beforeAll(async () => {
    t = await createTestEnv();
    const gatewayConfig = t.config('gateway');
    const gatewayRef = await Test.createTestingModule({ imports: [GatewayModule.forRoot(gatewayConfig)] }).compile();
    gateway = gatewayRef.createNestApplication({ logger: logs.logger });
    setUpGateway(gateway, gatewayConfig);
    await gateway.listen(0, '127.0.0.1');
    const gatewayUrl = `http://127.0.0.1:${(gateway.getHttpServer().address() as AddressInfo).port}`;
    const dispatcherRef = await Test.createTestingModule({
      imports: [DispatcherModule.forRoot(t.config('dispatcher'))],
    }).compile();
    dispatcher = dispatcherRef.createNestApplication({ logger: logs.logger });
    await dispatcher.init();
    nc = await natsConnect({ servers: t.natsUrl });
    clientKey = (await mintClient(gateway)).apiKey;

    agents.push(
      await connect({
        servers: t.natsUrl,
        namespace: t.namespace,
        agentId: 'nats-agent',
        pools: ['over-nats'],
        handlers,
        logger: agentLogger,
      }),
    );
    const { apiKey } = await mintAgent(gateway, 'http-agent', { pools: ['over-http'] });
    agents.push(
      await connectHttp({
        gatewayUrl,
        apiKey,
        agentId: 'http-agent',
        pools: ['over-http'],
        handlers,
        logger: agentLogger,
        pollWaitMs: 1_000,
      }),
    );
    await waitFor('both agents online', async () => {
      const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM agents WHERE status = 'idle'`);
      return rows[0].n === 2;
    });
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await nc?.close();
    await dispatcher?.close();
    await gateway?.close();
    await t?.teardown();
  });

  const submit = (pool: string, headers: Record<string, string> = {}) =>
    request(gateway.getHttpServer())
      .post('/v1/commands')
      .set({ authorization: `Bearer ${clientKey}`, ...headers })
      .send({ target: { pool }, type: 'traced', payload: { pool } });

  async function succeededRow(id: string) {
    return waitFor(`command ${id} to succeed`, async () => {
      const { rows } = await t.pool.query('SELECT state, traceparent FROM commands WHERE id = $1', [id]);
      return rows[0]?.state === 'succeeded' ? (rows[0] as { traceparent: string }) : undefined;
    });
  }

  /** Lifecycle events of a command as stored in the COMMAND_EVENTS stream: body and traceparent header. */
  async function lifecycle(id: string, count: number) {
    const consumer = await jetstream(nc).consumers.get(streamsFor(t.namespace).commandEvents, {
      filter_subjects: subjectsFor(t.namespace).commandEvents(id),
    });
    const out: { event: string; traceparent: string; header: string }[] = [];
    while (out.length < count) {
      const m = await consumer.next({ expires: 5_000 });
      if (!m) throw new Error(`only ${out.length} lifecycle events of ${id} stored`);
      const body = m.json<{ event: string; traceparent: string }>();
      out.push({ event: body.event, traceparent: body.traceparent, header: m.headers?.get('traceparent') ?? '' });
    }
    return out;
  }

  it.each([
    // The SDK agent's handler finishes at once, so its result stands for the acceptance (no `accept` event).
    { transport: 'nats', pool: 'over-nats', agentId: 'nats-agent', events: ['submit', 'claim', 'succeed'] },
    // The HTTP agent accepts before it runs the handler.
    { transport: 'http', pool: 'over-http', agentId: 'http-agent', events: ['submit', 'claim', 'accept', 'succeed'] },
  ])(
    'carries the caller’s trace from the HTTP submit to the $transport agent and back',
    async ({ pool, agentId, events: expected }) => {
      const res = await submit(pool, { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` });
      expect(res.status).toBe(202);
      const id = res.body.id as string;

      // Ledger: the caller's trace, with the gateway's own span (a child of the caller's).
      const row = await succeededRow(id);
      expect(row.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      expect(row.traceparent).not.toContain(CALLER_SPAN);

      // Handler: the same trace, with a span of the agent's own.
      const ctx = seen.get(id)!;
      expect(ctx.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      expect(ctx.traceparent).not.toBe(row.traceparent);

      // Lifecycle events: trace in the body and the NATS header.
      const events = await lifecycle(id, expected.length);
      expect(events.map((e) => e.event)).toEqual(expected);
      for (const e of events) {
        expect(e.traceparent).toBe(row.traceparent);
        expect(e.header).toBe(row.traceparent);
      }

      // Logs of every hop carry the trace id with the command id (and the agent id where there is one).
      await waitFor('the dispatcher to log the applied result', () =>
        logs.lines.some((l) => l.commandId === id && l.msg === 'report succeeded applied'),
      );
      const hop = (msg: string) => logs.lines.find((l) => l.commandId === id && l.msg === msg);
      expect(hop('command recorded')).toMatchObject({ traceId: TRACE_ID });
      expect(hop('report succeeded applied')).toMatchObject({ traceId: TRACE_ID, agentId });
      const handedOver = pool === 'over-nats' ? hop('delivering') : hop('handed to http agent');
      expect(handedOver).toMatchObject({ traceId: TRACE_ID, agentId });
      const agentSide = agentLogs.filter((l) => l.commandId === id);
      expect(agentSide.map((l) => l.msg)).toContain('delivery accepted');
      for (const l of agentSide) expect(l).toMatchObject({ traceId: TRACE_ID, agentId });
    },
  );

  it('starts a trace for a submit without a (valid) traceparent', async () => {
    const res = await submit('over-nats', { traceparent: `00-${TRACE_ID.toUpperCase()}-${CALLER_SPAN}-01` });
    expect(res.status).toBe(202);
    const row = await succeededRow(res.body.id as string);
    expect(row.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(row.traceparent).not.toContain(TRACE_ID);
    expect(seen.get(res.body.id as string)!.traceparent.slice(3, 35)).toBe(row.traceparent.slice(3, 35));
  });

  it('a scrape of /metrics shows the command counters, latencies and fleet gauges move', async () => {
    const scrape = async (app: INestApplication) => {
      const res = await request(app.getHttpServer()).get('/metrics');
      expect(res.status).toBe(200);
      return res.text;
    };
    const before = await scrape(dispatcher);
    const res = await submit('over-nats');
    await succeededRow(res.body.id as string);
    // The succeed announcement is counted as it is published, after the commit the row shows.
    await waitFor('the succeeded count to move', async () => {
      const text = await scrape(dispatcher);
      return sample(text, 'switchyard_commands_finished_total{state="succeeded"}') >
        sample(before, 'switchyard_commands_finished_total{state="succeeded"}')
        ? true
        : undefined;
    });
    // Agents pace their statuses (decision 012) and a scrape reuses the fleet query for a second: the gauges
    // show this command's agent idle again a little after the command ended.
    const after = await waitFor('the fleet gauges to show both agents idle', async () => {
      const text = await scrape(dispatcher);
      return sample(text, 'switchyard_agents{status="idle"}') === 2 ? text : undefined;
    });
    const moved = (series: string) => sample(after, series) - sample(before, series);
    // One registry per process: the in-process gateway and dispatcher share it, and their series add up.
    expect(moved('switchyard_commands_published_total')).toBeGreaterThanOrEqual(1);
    expect(moved('switchyard_commands_claimed_total')).toBe(1);
    expect(moved('switchyard_commands_delivered_total')).toBe(1);
    expect(moved('switchyard_commands_submitted_total{replayed="false"}')).toBe(1);
    expect(moved('switchyard_reports_applied_total{kind="succeeded"}')).toBe(1);
    expect(moved('switchyard_commands_finished_total{state="succeeded"}')).toBe(1);
    expect(moved('switchyard_command_dispatch_latency_seconds_count')).toBe(1);
    expect(moved('switchyard_command_accept_latency_seconds_count')).toBe(1);
    expect(moved('switchyard_command_terminal_latency_seconds_count{state="succeeded"}')).toBe(1);
    expect(moved('switchyard_command_terminal_latency_seconds_bucket{le="+Inf",state="succeeded"}')).toBe(1);
    expect(sample(after, 'switchyard_pool_agents{pool="over-nats",status="idle"}')).toBe(1);
    expect(sample(after, 'switchyard_pool_agents{pool="over-http",status="idle"}')).toBe(1);
    expect(sample(after, 'switchyard_agents{status="idle"}')).toBe(2);
    expect(sample(after, 'switchyard_pool_capacity{pool="over-nats"}')).toBeGreaterThanOrEqual(1);
    expect(after).toContain('# TYPE switchyard_nats_reconnects_total counter');

    // A refused (stale) report moves its counter: a second result for a finished attempt.
    const refusedBefore = sample(after, 'switchyard_reports_refused_total{kind="failed",reason="terminal"}');
    await jetstream(nc).publish(
      subjectsFor(t.namespace).report('nats-agent'),
      JSON.stringify({ kind: 'failed', commandId: res.body.id, attempt: 1, error: { message: 'late' } }),
    );
    await waitFor('the stale report to be refused', async () =>
      sample(await scrape(dispatcher), 'switchyard_reports_refused_total{kind="failed",reason="terminal"}') >
      refusedBefore
        ? true
        : undefined,
    );
  });
});
