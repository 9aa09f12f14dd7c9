import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { CommandPublisher, EventPublisher, type DebateAnnouncement, JetStreamService } from '@switchyard/messaging';
import { register } from 'prom-client';
import { DebateWebhook } from '../../../apps/orchestrator/src/debate-webhook';
import { EffectPublisher } from '../../../apps/orchestrator/src/effect-publisher';
import { debateJob } from '../../../apps/orchestrator/src/jobs/debate.job';
import { DueRunner } from '../../../apps/orchestrator/src/runner/due-runner';
import { topicEvents } from '../../support/debate';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';
import { insertTopic } from '@switchyard/persistence';
import { v7 as uuidv7 } from 'uuid';

const TIMEOUT_MS = 300;

/** The webhook counter's value for one outcome. */
async function posts(outcome: string): Promise<number> {
  const metric = register.getSingleMetric('switchyard_debate_webhook_total');
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

/** A receiver whose behaviour each test sets. */
class Receiver {
  readonly bodies: DebateAnnouncement[] = [];
  behaviour: 'ok' | 'error' | 'hang' = 'ok';
  private readonly hung: ServerResponse[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        this.bodies.push(JSON.parse(body) as DebateAnnouncement);
        if (this.behaviour === 'hang') this.hung.push(res);
        else res.writeHead(this.behaviour === 'ok' ? 204 : 500).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function announcement(topicId: string): DebateAnnouncement {
  const at = new Date().toISOString();
  return {
    event: 'debate.announced',
    topicId,
    title: 't',
    summary: 's',
    visibility: 'public',
    signupOpenAt: at,
    signupCloseAt: at,
    debateStartAt: at,
    debateEndAt: at,
    at,
  };
}

/**
 * The announcement at sign-up open: a NATS event and, when configured, a
 * webhook POST that is best effort, bounded by a timeout, and never holds up
 * or undoes the transition.
 */
describe('debate announcement: event and webhook (real Postgres and NATS, a local HTTP receiver)', () => {
  let t: TestEnv;
  let js: JetStreamService;
  const receiver = new Receiver();

  beforeAll(async () => {
    // The webhook's warnings are expected here; keep the output to errors.
    Logger.overrideLogger(['error', 'fatal']);
    t = await createTestEnv();
    js = await JetStreamService.connect({ servers: [t.natsUrl], namespace: t.namespace, name: 'debate-announce-spec' });
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await js?.close();
    await t?.teardown();
  });

  it('without a webhook URL, notify is a no-op (counted as not-configured)', async () => {
    const before = await posts('not-configured');
    const sut = new DebateWebhook(undefined);
    sut.notify(announcement(uuidv7()));
    await sut.settled();
    expect(await posts('not-configured')).toBe(before + 1);
    expect(receiver.bodies).toHaveLength(0);
  });

  it('posts the announcement as JSON; a 500 answer is logged and counted, not retried', async () => {
    const sut = new DebateWebhook(receiver.url, TIMEOUT_MS);
    receiver.behaviour = 'ok';
    const delivered = await posts('delivered');
    const a = announcement(uuidv7());
    sut.notify(a);
    await sut.settled();
    expect(receiver.bodies.at(-1)).toEqual(a);
    expect(await posts('delivered')).toBe(delivered + 1);

    receiver.behaviour = 'error';
    const refused = await posts('refused');
    const count = receiver.bodies.length;
    sut.notify(announcement(uuidv7()));
    await sut.settled();
    expect(await posts('refused')).toBe(refused + 1);
    expect(receiver.bodies).toHaveLength(count + 1);
  });

  it('a receiver that never answers is cut off at the timeout; one that is down fails at once', async () => {
    receiver.behaviour = 'hang';
    const sut = new DebateWebhook(receiver.url, TIMEOUT_MS);
    const timeouts = await posts('timeout');
    const started = Date.now();
    sut.notify(announcement(uuidv7()));
    expect(Date.now() - started).toBeLessThan(50);
    await sut.settled();
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_000);
    expect(await posts('timeout')).toBe(timeouts + 1);

    const failed = await posts('failed');
    const down = new DebateWebhook('http://127.0.0.1:1/hook', TIMEOUT_MS);
    down.notify(announcement(uuidv7()));
    await down.settled();
    expect(await posts('failed')).toBe(failed + 1);
  });

  it('a hanging webhook neither holds up the pass nor undoes the transition; the event goes out once', async () => {
    receiver.behaviour = 'hang';
    const webhook = new DebateWebhook(receiver.url, 2_000);
    const publisher = new EffectPublisher(js, new CommandPublisher(js), webhook, new EventPublisher(js), t.pool);
    const events: DebateAnnouncement[] = [];
    const sub = js.nc.subscribe(js.subjects.debateAnnounced, {
      callback: (err, msg) => {
        if (!err) events.push(msg.json<DebateAnnouncement>());
      },
    });
    await js.nc.flush();

    const id = uuidv7();
    const now = Date.now();
    await insertTopic(
      t.pool,
      {
        id,
        title: 'Hooks',
        summary: 'slow receivers',
        visibility: 'private',
        signupOpenAt: new Date(now - 1_000),
        signupCloseAt: new Date(now + 60_000),
        debateStartAt: new Date(now + 120_000),
        debateEndAt: new Date(now + 180_000),
        verdictSchema: undefined,
        createdBy: 'admin',
      },
      new Date(now - 2_000),
    );
    const job = debateJob({ defaults: t.config('orchestrator').commandDefaults });
    const runner = new DueRunner(t.pool, [job], { tickIntervalMs: 1_000, batchSize: 10 }, (list) =>
      publisher.publish(list),
    );
    const started = Date.now();
    expect(await runner.pass(job)).toMatchObject({ claimed: 1, applied: 1, failed: 0 });
    expect(Date.now() - started).toBeLessThan(1_000);

    expect(await topicEvents(t.pool, id)).toEqual(['open-signup']);
    const event = await waitFor('the announcement event', () => events.find((e) => e.topicId === id));
    expect(event).toMatchObject({ event: 'debate.announced', topicId: id, title: 'Hooks', visibility: 'private' });
    await waitFor('the webhook request', () => receiver.bodies.find((b) => b.topicId === id));
    // A second pass finds nothing due: the topic waits for its sign-up to close.
    expect(await runner.pass(job)).toMatchObject({ claimed: 0 });
    await webhook.settled();
    sub.unsubscribe();
    expect(events.filter((e) => e.topicId === id)).toHaveLength(1);
    const { rows } = await t.pool.query('SELECT state FROM topics WHERE id = $1', [id]);
    expect(rows[0].state).toBe('signup_open');
  });
});
