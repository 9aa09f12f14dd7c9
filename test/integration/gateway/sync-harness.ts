import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type Agent, connect, type Handler } from '@switchyard/agent-sdk';
import { demoHandlers } from '../../../apps/demo-agents/src/demo-handlers';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor, waitForAgentsOnline } from '../../support/wait';
import { bootGateway, mintClient } from './in-process-gateway';

/** Result size limit of the sync specs: a `big` result is over it. */
export const MAX_RESULT_BYTES = 1_024;
export const SYNC_MAX_TIMEOUT_MS = 20_000;

/**
 * Everything a sync spec runs against, in this process: the gateway (listening
 * on a free port), the dispatcher, and SDK agents on the real NATS server:
 * `worker-a` and `worker-b` serve pool `work` (100 at a time each), `solo`
 * serves only direct commands, one at a time. DISPATCH_PREFETCH is 1 so that
 * "at capacity" means exactly `concurrency` commands held.
 */
export interface SyncHarness {
  t: TestEnv;
  gateway: INestApplication;
  baseUrl: string;
  clientKey: string;
  /** Opens gate `name`: every `hold` command waiting on it finishes with `{ gate: name }`. */
  open(name: string): void;
  /** Whether a `hold` command on gate `name` has started in an agent. */
  started(name: string): boolean;
  close(): Promise<void>;
}

export async function startSyncHarness(): Promise<SyncHarness> {
  const t = await createTestEnv({
    DISPATCH_PREFETCH: '1',
    MAX_RESULT_BYTES: String(MAX_RESULT_BYTES),
    SYNC_DEFAULT_TIMEOUT_MS: '10000',
    SYNC_MAX_TIMEOUT_MS: String(SYNC_MAX_TIMEOUT_MS),
  });
  const gateway = await bootGateway(t);
  await gateway.listen(0, '127.0.0.1');
  const { port } = gateway.getHttpServer().address() as AddressInfo;
  const dispatcherRef = await Test.createTestingModule({
    imports: [DispatcherModule.forRoot(t.config('dispatcher'))],
  }).compile();
  const dispatcher = dispatcherRef.createNestApplication({ logger: ['error', 'fatal'] });
  await dispatcher.init();

  const gates = new Map<string, { opened: Promise<void>; open: () => void; started: boolean }>();
  const gate = (name: string) => {
    let entry = gates.get(name);
    if (!entry) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      entry = { opened, open, started: false };
      gates.set(name, entry);
    }
    return entry;
  };
  const handlers: Record<string, Handler> = {
    ...demoHandlers,
    /** A result over MAX_RESULT_BYTES. */
    big: () => Promise.resolve({ blob: 'x'.repeat(MAX_RESULT_BYTES * 2) }),
    /** Runs until the test opens its gate (or the command is cancelled). */
    hold: async (payload, ctx) => {
      const g = gate((payload as { gate: string }).gate);
      g.started = true;
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(ctx.signal.reason as Error);
        if (ctx.signal.aborted) return onAbort();
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        void g.opened.then(() => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
      return { gate: (payload as { gate: string }).gate };
    },
  };
  const common = { servers: t.natsUrl, namespace: t.namespace, handlers, heartbeatIntervalMs: 500 };
  const agents: Agent[] = await Promise.all([
    connect({ ...common, agentId: 'worker-a', pools: ['work'], concurrency: 100 }),
    connect({ ...common, agentId: 'worker-b', pools: ['work'], concurrency: 100 }),
    connect({ ...common, agentId: 'solo', concurrency: 1 }),
  ]);
  await waitForAgentsOnline(t.pool, 3);
  const { apiKey } = await mintClient(gateway, 'sync-client');

  return {
    t,
    gateway,
    baseUrl: `http://127.0.0.1:${port}`,
    clientKey: apiKey,
    open: (name) => gate(name).open(),
    started: (name) => gates.get(name)?.started ?? false,
    async close() {
      for (const g of gates.values()) g.open();
      await Promise.all(agents.map((a) => a.close({ drainTimeoutMs: 500, flushTimeoutMs: 1_000 })));
      await gateway.close();
      await dispatcher.close();
      await t.teardown();
    },
  };
}

/** The command row of a call, found by its idempotency key (the test's handle on a call still waiting). */
export function rowByKey(t: TestEnv, key: string, state?: string) {
  return waitFor(`the command keyed ${key}${state ? ` to be ${state}` : ''}`, async () => {
    const { rows } = await t.pool.query('SELECT * FROM commands WHERE idempotency_key = $1', [key]);
    return rows[0] && (!state || rows[0].state === state) ? rows[0] : undefined;
  });
}
