import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { consumersFor, type SessionEvent, streamsFor, subjectsFor } from '@switchyard/messaging';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { bootGateway, mintAgent } from '../gateway/in-process-gateway';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';

/**
 * Reconnect flap (DESIGN "Agent": a disconnect only clears the session when it
 * matches, so a reconnect flap never marks a live agent offline): disconnect
 * and reconnect within 50 ms, in both orders of the two events; the agent
 * ends online with the new session. Once over NATS (session events published
 * on the agent's session subject, as the SDK does), once over the gateway's
 * HTTP session routes. The dispatcher runs in this process.
 */
const FLAP_MS = 50;
const enc = new TextEncoder();

type Order = 'disconnect old, then connect new' | 'connect new, then disconnect old';
const ORDERS: Order[] = ['disconnect old, then connect new', 'connect new, then disconnect old'];

describe('Reconnect flap: disconnect and reconnect within 50 ms, in both orders of the two events: the agent ends online', () => {
  let t: TestEnv;
  let dispatcher: INestApplication;
  let gateway: INestApplication;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let subjects: ReturnType<typeof subjectsFor>;

  async function agentRow(id: string) {
    const { rows } = await t.pool.query('SELECT status, session_id, transport FROM agents WHERE id = $1', [id]);
    return rows[0];
  }

  /** Resolves once the dispatcher has settled everything stored so far on a stream it consumes. */
  async function dispatcherSettled(stream: 'reports' | 'agentStatus'): Promise<void> {
    const name = streamsFor(t.namespace)[stream];
    const consumers = consumersFor(t.namespace);
    const durable = stream === 'reports' ? consumers.dispatcherReports : consumers.dispatcherStatus;
    const last = (await jsm.streams.info(name)).state.last_seq;
    await waitFor(`the dispatcher to settle ${stream} up to seq ${last}`, async () => {
      const info = await jsm.consumers.info(name, durable);
      return info.ack_floor.stream_seq >= last && info.num_ack_pending === 0 && info.num_pending === 0;
    });
  }

  function publishSession(agentId: string, event: SessionEvent) {
    return js.publish(subjects.session(agentId), enc.encode(JSON.stringify(event)));
  }

  function connectEvent(sessionId: string): SessionEvent {
    return { kind: 'connect', sessionId, pools: ['flap'], concurrency: 2, transport: 'nats' };
  }

  /**
   * Runs `first` until its event is stored, then `second` at once (so the
   * events are stored in that order); returns the time between the two
   * events being stored.
   */
  async function backToBack(first: () => Promise<unknown>, second: () => Promise<unknown>): Promise<number> {
    await first();
    const firstStored = Date.now();
    await second();
    return Date.now() - firstStored;
  }

  beforeAll(async () => {
    t = await createTestEnv();
    subjects = subjectsFor(t.namespace);
    const moduleRef = await Test.createTestingModule({
      imports: [DispatcherModule.forRoot(t.config('dispatcher'))],
    }).compile();
    dispatcher = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
    await dispatcher.init();
    gateway = await bootGateway(t);
    nc = await connect({ servers: t.natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await gateway?.close();
    await dispatcher?.close();
    await t?.teardown();
  });

  describe('over NATS (session subject, JetStream publish)', () => {
    it.each(ORDERS.map((order, i) => ({ order, agentId: `nats-flap-${i}` })))(
      '$order: the agent ends idle with the new session',
      async ({ order, agentId }) => {
        const oldSession = randomUUID();
        const newSession = randomUUID();
        await publishSession(agentId, connectEvent(oldSession));
        await waitFor(`${agentId} online in the old session`, async () => {
          const a = await agentRow(agentId);
          return a?.status === 'idle' && a.session_id === oldSession;
        });

        const disconnectOld = () => publishSession(agentId, { kind: 'disconnect', sessionId: oldSession });
        const connectNew = () => publishSession(agentId, connectEvent(newSession));
        const gap =
          order === 'disconnect old, then connect new'
            ? await backToBack(disconnectOld, connectNew)
            : await backToBack(connectNew, disconnectOld);
        expect(gap).toBeLessThan(FLAP_MS);

        await dispatcherSettled('reports');
        expect(await agentRow(agentId)).toEqual({ status: 'idle', session_id: newSession, transport: 'nats' });
      },
    );

    it('a disconnect of the current session still takes the agent offline (the flap cases are not vacuous)', async () => {
      const session = randomUUID();
      await publishSession('nats-flap-plain', connectEvent(session));
      await waitFor('online', async () => (await agentRow('nats-flap-plain'))?.status === 'idle');
      await publishSession('nats-flap-plain', { kind: 'disconnect', sessionId: session });
      await dispatcherSettled('reports');
      expect(await agentRow('nats-flap-plain')).toEqual({ status: 'offline', session_id: null, transport: 'nats' });
    });
  });

  describe('over HTTP (open session B, close session A)', () => {
    /** Up to this many flaps per case: a loaded machine may stretch one past 50 ms; every flap is checked. */
    const MAX_ROUNDS = 3;

    it.each(ORDERS.map((order, i) => ({ order, agentId: `http-flap-${i}` })))(
      '$order: the agent ends idle with the new session',
      async ({ order, agentId }) => {
        const { apiKey } = await mintAgent(gateway, agentId, { pools: ['flap'], concurrency: 2 });
        const http = () => request(gateway.getHttpServer());
        const open = async () => {
          const res = await http().post('/v1/agent/sessions').set('authorization', `Bearer ${apiKey}`).send({});
          expect(res.status).toBe(201);
          return res.body.sessionId as string;
        };
        const close = async (sessionId: string) => {
          const res = await http().delete(`/v1/agent/sessions/${sessionId}`).set('authorization', `Bearer ${apiKey}`);
          expect(res.status).toBe(204);
        };
        // When each session event reaches NATS, seen by a plain subscriber next to the dispatcher's consumer.
        const seen: { at: number; kind: string; sessionId: string }[] = [];
        const tap = nc.subscribe(subjects.session(agentId), {
          callback: (err, msg) => {
            if (!err) seen.push({ at: Date.now(), ...msg.json<{ kind: string; sessionId: string }>() });
          },
        });
        await nc.flush();
        const seenAt = (kind: string, sessionId: string) =>
          waitFor(`${kind} of ${sessionId} on NATS`, () =>
            seen.find((e) => e.kind === kind && e.sessionId === sessionId),
          );

        try {
          let current = await open();
          await waitFor(`${agentId} online`, async () => {
            const a = await agentRow(agentId);
            return a.status === 'idle' && a.session_id === current && a.transport === 'http';
          });
          const gaps: number[] = [];
          for (let round = 0; round < MAX_ROUNDS && !gaps.some((g) => g < FLAP_MS); round++) {
            const old = current;
            let next = '';
            if (order === 'disconnect old, then connect new') {
              await close(old);
              next = await open();
            } else {
              next = await open();
              await close(old);
            }
            expect(next).not.toBe(old);
            const disconnected = await seenAt('disconnect', old);
            const connected = await seenAt('connect', next);
            gaps.push(Math.abs(connected.at - disconnected.at));

            // Closing also publishes an `offline` status naming the old session: both streams must have been applied.
            await dispatcherSettled('reports');
            await dispatcherSettled('agentStatus');
            expect({ round, row: await agentRow(agentId) }).toEqual({
              round,
              row: { status: 'idle', session_id: next, transport: 'http' },
            });
            current = next;
          }
          expect(Math.min(...gaps)).toBeLessThan(FLAP_MS);
        } finally {
          tap.unsubscribe();
        }
      },
    );
  });
});
