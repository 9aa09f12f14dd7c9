import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type Agent, CommandFailure, connect, silentLogger } from '@switchyard/agent-sdk';
import { DEAD_LETTER_SUBJECT_ROOT } from '@switchyard/domain';
import { deadLetterEventId, EventPublisher, JetStreamService, streamsFor, subjectsFor } from '@switchyard/messaging';
import { insertTrigger, NewTrigger } from '@switchyard/persistence';
import { register } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { deadLetterRelayJob } from '../../../apps/orchestrator/src/jobs/dead-letter-relay.job';
import { seedCommands } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { recordingRunner } from '../../support/ticker';
import { waitFor } from '../../support/wait';

/**
 * Chains of commands through events, with real SDK agents and a dispatcher
 * in-process: a trigger loop stops at MAX_COMMAND_DEPTH, and a dead-letter
 * handler that fails annotates its dead letter once and never recurses.
 */
const MAX_DEPTH = 3;
const enc = new TextEncoder();

describe('trigger chains (dispatcher in-process, SDK agents, real Postgres and NATS)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let subjects: ReturnType<typeof subjectsFor>;
  const agents: Agent[] = [];

  async function trigger(fields: Partial<NewTrigger>): Promise<string> {
    const row = await insertTrigger(
      t.pool,
      {
        id: uuidv7(),
        subject_pattern: '>',
        target_kind: 'agent',
        target: 'nobody',
        type: 'noop',
        payload_template: null,
        options: {},
        caller: 'client:test',
        ...fields,
      },
      new Date(),
    );
    return row.id;
  }

  async function rows(sql: string, params: unknown[] = []) {
    return (await t.pool.query(sql, params)).rows;
  }

  /** Polls for `ms`, failing as soon as the value moves away from `expected`. */
  async function staysAt(what: string, read: () => Promise<unknown>, expected: unknown, ms = 1_500) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      expect({ what, value: await read() }).toEqual({ what, value: expected });
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function depthExceededCount(): Promise<number> {
    const metric = register.getSingleMetric('switchyard_commands_depth_exceeded_total');
    return metric ? ((await metric.get()).values[0]?.value ?? 0) : 0;
  }

  beforeAll(async () => {
    t = await createTestEnv();
    subjects = subjectsFor(t.namespace);
    const moduleRef = await Test.createTestingModule({
      imports: [DispatcherModule.forRoot(t.config('dispatcher', { MAX_COMMAND_DEPTH: String(MAX_DEPTH) }))],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
    await app.init();
    nc = await natsConnect({ servers: t.natsUrl });
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close({ drainTimeoutMs: 100, flushTimeoutMs: 1_000 })));
    await nc?.close();
    await app?.close();
    await t?.teardown();
  });

  it('a trigger loop (its command publishes the event that fires it) stops at the maximum depth', async () => {
    const triggerId = await trigger({
      subject_pattern: 'loop.tick',
      target: 'looper',
      type: 'loop',
      payload_template: { hop: '{{data.hop}}' },
    });
    agents.push(
      await connect({
        servers: t.natsUrl,
        namespace: t.namespace,
        agentId: 'looper',
        logger: silentLogger,
        handlers: {
          loop: async (payload, ctx) => {
            const hop = (payload as { hop: number }).hop;
            await ctx.publishEvent('loop.tick', { hop: hop + 1 });
            return { hop, depth: ctx.depth };
          },
        },
      }),
    );
    const countedBefore = await depthExceededCount();

    await jetstream(nc).publish(subjects.event('loop.tick'), enc.encode(JSON.stringify({ hop: 1 })), {
      msgID: 'loop-start',
    });

    const chain = await waitFor('the chain to reach a command past the maximum depth', async () => {
      const found = await rows(`SELECT * FROM commands WHERE caller = $1 ORDER BY depth`, [`trigger:${triggerId}`]);
      return found.some((r) => r.state === 'cancelled') &&
        found.every((r) => r.state !== 'queued' && r.state !== 'dispatched' && r.state !== 'running')
        ? found
        : undefined;
    });
    expect(chain.map((r) => [r.depth, r.state])).toEqual([
      [1, 'succeeded'],
      [2, 'succeeded'],
      [3, 'succeeded'],
      [4, 'cancelled'],
    ]);
    // Each link is the child of the command whose handler published its event.
    expect(chain[0].parent_id).toBeNull();
    for (let i = 1; i < chain.length; i += 1) expect(chain[i].parent_id).toBe(chain[i - 1].id);
    expect(chain.map((r) => r.payload)).toEqual([{ hop: 1 }, { hop: 2 }, { hop: 3 }, { hop: 4 }]);
    const last = chain[3];
    expect(last).toMatchObject({ attempt: 0, assigned_agent: null, error: { code: 'max_depth_exceeded' } });
    expect(last.finished_at).not.toBeNull();
    expect(
      await rows(`SELECT event, from_state, to_state FROM command_events WHERE command_id = $1`, [last.id]),
    ).toEqual([{ event: 'submit', from_state: null, to_state: 'cancelled' }]);
    expect(await depthExceededCount()).toBe(countedBefore + 1);
    expect(await rows('SELECT * FROM dead_letters')).toEqual([]);
    // The terminated link never ran, so nothing publishes the next tick: the chain stays at four.
    await staysAt(
      'commands of the loop trigger',
      async () =>
        (await rows(`SELECT count(*)::int AS n FROM commands WHERE caller = $1`, [`trigger:${triggerId}`]))[0].n,
      4,
    );
  });

  it('a dead-letter handler that always fails annotates its dead letter once and does not recurse', async () => {
    const handlerTrigger = await trigger({
      subject_pattern: 'deadletter.>',
      target: 'rescuer',
      type: 'rescue',
      payload_template: { deadLetterId: '{{data.deadLetterId}}', commandId: '{{data.commandId}}' },
      options: { maxAttempts: 5 },
    });
    const handled: string[] = [];
    agents.push(
      await connect({
        servers: t.natsUrl,
        namespace: t.namespace,
        agentId: 'doomed',
        logger: silentLogger,
        handlers: { 'work.doomed': () => Promise.reject(new CommandFailure('always fails', { code: 'doomed' })) },
      }),
      await connect({
        servers: t.natsUrl,
        namespace: t.namespace,
        agentId: 'rescuer',
        logger: silentLogger,
        handlers: {
          rescue: (payload) => {
            handled.push((payload as { deadLetterId: string }).deadLetterId);
            return Promise.reject(new CommandFailure('rescue failed too', { code: 'rescue_failed', retryable: true }));
          },
        },
      }),
    );

    await jetstream(nc).publish(
      subjects.submitToAgent('doomed'),
      enc.encode(JSON.stringify({ type: 'work.doomed', maxAttempts: 1 })),
      { msgID: 'doomed-1' },
    );

    const [original] = await waitFor('the doomed command to fail', async () => {
      const found = await rows(`SELECT * FROM commands WHERE caller = 'nats' AND idempotency_key = 'doomed-1'`);
      return found[0]?.state === 'failed' ? found : undefined;
    });
    const annotated = await waitFor('the dead letter to be annotated by its failed handler', async () => {
      const found = await rows(`SELECT * FROM dead_letters WHERE command_id = $1`, [original.id]);
      return found[0]?.handler_failed_at ? found[0] : undefined;
    });
    expect(annotated).toMatchObject({ reason: 'doomed', type: 'work.doomed' });
    expect(annotated.published_at).not.toBeNull();

    const [handler] = await rows(`SELECT * FROM commands WHERE caller = $1`, [`trigger:${handlerTrigger}`]);
    expect(handler).toMatchObject({
      id: annotated.handler_command_id,
      state: 'failed',
      attempt: 1,
      max_attempts: 1,
      handles_dead_letter: annotated.id,
      parent_id: original.id,
      depth: 1,
      idempotency_key: deadLetterEventId(annotated.id),
      payload: { deadLetterId: annotated.id, commandId: original.id },
      error: { code: 'rescue_failed' },
    });
    expect(handled).toEqual([annotated.id]);

    // No dead letter for the handler, no second handler command, one dead-letter event in the stream.
    await staysAt(
      'dead letters',
      async () => (await rows('SELECT command_id FROM dead_letters')).map((r) => r.command_id),
      [original.id],
    );
    expect(await rows(`SELECT id FROM commands WHERE caller = $1`, [`trigger:${handlerTrigger}`])).toHaveLength(1);
    const info = await jsm.streams.info(streamsFor(t.namespace).events, {
      subjects_filter: `${subjects.eventsPrefix}${DEAD_LETTER_SUBJECT_ROOT}.>`,
    });
    expect(info.state.subjects).toEqual({ [subjects.deadLetterEvent('work.doomed')]: 1 });
  });

  it('the relay publishes a dead letter whose event was lost, once, and stamps it', async () => {
    const js = await JetStreamService.connect({ servers: [t.natsUrl], namespace: t.namespace, name: 'relay-spec' });
    try {
      const [command] = await seedCommands(t.pool, 1, { type: 'lost.event' });
      const deadLetterId = uuidv7();
      await t.pool.query(
        `INSERT INTO dead_letters (id, command_id, reason, type, target, attempt, created_at)
         VALUES ($1, $2, 'expired', 'lost.event', 'agent-1', 1, now() - interval '1 hour')`,
        [deadLetterId, command.id],
      );
      const relay = deadLetterRelayJob(30_000, (list) => new EventPublisher(js).publishDeadLetters(list));
      const { runner } = recordingRunner(t.pool, { jobs: [relay] as never[] });

      expect(await runner.pass(relay)).toMatchObject({ claimed: 1, applied: 1, failed: 0 });
      expect(await runner.pass(relay)).toMatchObject({ claimed: 0 });

      const [row] = await rows('SELECT published_at FROM dead_letters WHERE id = $1', [deadLetterId]);
      expect(row.published_at).not.toBeNull();
      const stored = await jsm.streams.getMessage(streamsFor(t.namespace).events, {
        last_by_subj: subjects.deadLetterEvent('lost.event'),
      });
      expect(stored?.header.get('Nats-Msg-Id')).toBe(deadLetterEventId(deadLetterId));
      expect(stored?.json()).toMatchObject({
        deadLetterId,
        commandId: command.id,
        reason: 'expired',
        type: 'lost.event',
      });
    } finally {
      await js.close();
    }
  });
});
