import { Counter, Gauge, Histogram, register } from 'prom-client';

/*
 * Every Switchyard metric, in one place (as subjects.ts is for subjects). The
 * only others are the JetStream batch consumer's two histograms, declared in
 * libs/messaging (which this library depends on). docs/operations.md has a
 * table of them all; metric-catalog.spec.ts fails when the table and this
 * registry disagree. Every series also carries the `service` label
 * (collectProcessMetrics).
 */

/** Gets or creates a metric: safe when a module is evaluated twice in one process. */
function once<M>(name: string, create: () => M): M {
  return (register.getSingleMetric(name) as M | undefined) ?? create();
}

function counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return once(name, () => new Counter<L>({ name, help, labelNames }));
}

function histogram<L extends string = never>(
  name: string,
  help: string,
  buckets: number[],
  labelNames: readonly L[] = [],
): Histogram<L> {
  return once(name, () => new Histogram<L>({ name, help, labelNames, buckets }));
}

/** Latency of a command's life: tens of milliseconds on an idle fleet to minutes behind a backlog. */
export const COMMAND_LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800,
];
/** One ticker pass: a few milliseconds idle, seconds when a big batch is claimed. */
const PASS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

// Commands: the life of a command, counted where its transitions are applied.
export const commandsSubmitted = counter(
  'switchyard_commands_submitted_total',
  'Commands accepted over HTTP by the gateway; replayed="true" for an idempotent repeat that created nothing',
  ['replayed'],
);
export const commandsPublished = counter(
  'switchyard_commands_published_total',
  'Submit messages published for queued commands (first offers, relays, retries and releases)',
);
export const publishFailures = counter(
  'switchyard_publish_failures_total',
  'Publishes that failed after a ledger commit (the relay job repairs them)',
);
export const commandsClaimed = counter(
  'switchyard_commands_claimed_total',
  'Attempts claimed for an agent (queued → dispatched)',
);
export const commandsDelivered = counter(
  'switchyard_commands_delivered_total',
  'Claimed attempts sent to their agent (a NATS delivery, or a wake-up of an HTTP agent)',
);
export const commandsParked = counter(
  'switchyard_commands_parked_total',
  'Commands parked until an agent that can serve them connects',
);
export const dispatchSaturated = counter(
  'switchyard_dispatch_saturated_total',
  'Offers postponed because every live agent was at capacity',
);
export const claimsUnadmitted = counter(
  'switchyard_claims_unadmitted_total',
  "Claims on insert the ledger refused (the dispatcher's memory of the agent was stale): offered again at once",
);
export const deliveriesUnreachable = counter(
  'switchyard_deliveries_unreachable_total',
  'Deliveries that found no subscriber (a dead agent): released at once',
);
export const commandsFinished = counter(
  'switchyard_commands_finished_total',
  'Commands that reached a terminal state, by state (succeeded, failed, cancelled, expired, stuck)',
  ['state'],
);
export const commandsDeadLettered = counter(
  'switchyard_commands_dead_lettered_total',
  'Commands that ended without success and were written to dead_letters, by terminal state (failed, stuck, expired)',
  ['state'],
);
export const dispatchLatency = histogram(
  'switchyard_command_dispatch_latency_seconds',
  'From when a command became due (submission, or its runAt) to the claim of its first attempt',
  COMMAND_LATENCY_BUCKETS,
);
export const acceptLatency = histogram(
  'switchyard_command_accept_latency_seconds',
  'From when a command became due to the agent accepting its first attempt',
  COMMAND_LATENCY_BUCKETS,
);
export const terminalLatency = histogram(
  'switchyard_command_terminal_latency_seconds',
  'From when a command became due to its terminal state, by state',
  COMMAND_LATENCY_BUCKETS,
  ['state'],
);

// Reports from agents.
export const reportsApplied = counter(
  'switchyard_reports_applied_total',
  'Agent reports applied to the ledger, by kind',
  ['kind'],
);
export const reportsRefused = counter(
  'switchyard_reports_refused_total',
  'Agent reports refused by the dispatcher (stale attempt, terminal command, not allowed), by kind and reason',
  ['kind', 'reason'],
);
export const heartbeatsUnmatched = counter(
  'switchyard_heartbeats_unmatched_total',
  'Heartbeats or progress for an attempt that is no longer running (stale)',
);
export const natsRejected = counter(
  'switchyard_nats_rejected_total',
  'NATS messages terminated as malformed, by consumer and reason',
  ['consumer', 'reason'],
);

// Triggers and the depth limit (dispatcher; delegations also in the gateway).
export const commandsDepthExceeded = counter(
  'switchyard_commands_depth_exceeded_total',
  'Commands recorded cancelled, never run, because they were deeper than MAX_COMMAND_DEPTH, by source (trigger, delegation)',
  ['source'],
);
export const triggerCommands = counter(
  'switchyard_trigger_commands_total',
  'Commands created by triggers (run, or recorded past the depth limit), by outcome',
  ['outcome'],
);
export const triggerFiresSkipped = counter(
  'switchyard_trigger_fires_skipped_total',
  'Trigger fires that created no command (an invalid template result, a payload over the limit), by reason',
  ['reason'],
);

// The HTTP API (gateway).
export const httpRequestDuration = histogram(
  'switchyard_http_request_duration_seconds',
  'Time to answer an HTTP request (event streams excluded), by method, route and status class',
  [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  ['method', 'route', 'status'],
);

// HTTP agents and sync calls (gateway).
export const httpDeliveries = counter(
  'switchyard_http_deliveries_total',
  'Attempts handed to HTTP agents by their claims',
);
export const httpReportsRefused = counter(
  'switchyard_http_reports_refused_total',
  "HTTP agents' reports refused at once by the gateway, by reason",
  ['reason'],
);
export const syncAnswers = counter('switchyard_sync_answers_total', 'Sync calls answered, by HTTP status', ['status']);
export const syncCallsRejected = counter(
  'switchyard_sync_calls_rejected_total',
  'NATS sync calls answered 4xx before any work, by reason',
  ['reason'],
);
export const syncRefused = counter(
  'switchyard_sync_refused_total',
  'Sync commands ended because no agent could take them at once (their caller gets 503), by reason',
  ['reason'],
);
export const sseStreamsOpened = counter(
  'switchyard_sse_streams_opened_total',
  'Server-sent event streams opened, by stream',
  ['stream'],
);

// Ticker (orchestrator).
export const tickerRowsClaimed = counter('switchyard_ticker_rows_claimed_total', 'Due rows claimed by a ticker job', [
  'job',
]);
export const tickerRowsApplied = counter(
  'switchyard_ticker_rows_applied_total',
  'Due rows whose transition a ticker job applied',
  ['job'],
);
export const tickerRowsFailed = counter(
  'switchyard_ticker_rows_failed_total',
  'Due rows whose transition threw (rolled back alone, retried next pass)',
  ['job'],
);
export const tickerPassSeconds = histogram(
  'switchyard_ticker_pass_seconds',
  'Duration of one ticker job pass (claim, apply, commit, publish); its _count is the number of passes',
  PASS_BUCKETS,
  ['job'],
);
export const debateWebhookPosts = counter(
  'switchyard_debate_webhook_total',
  'Debate announcements posted to the webhook, by outcome',
  ['outcome'],
);

// Infrastructure, collected on scrape from the sources a service registers (metrics.module.ts).

/** Agents counted per pool and status (pool null: every agent, pools or not). */
export interface FleetCount {
  pool: string | null;
  status: string;
  agents: number;
  capacity: number;
}

export const scrapeSources: {
  /** This process's NATS reconnect count so far. */
  natsReconnects?: () => number;
  /** The agents table, grouped; called at most once per scrape. */
  fleet?: () => Promise<FleetCount[]>;
} = {};

let reconnectsReported = 0;
export const natsReconnects = once(
  'switchyard_nats_reconnects_total',
  () =>
    new Counter({
      name: 'switchyard_nats_reconnects_total',
      help: 'Times this process reconnected to NATS',
      collect() {
        const seen = scrapeSources.natsReconnects?.() ?? reconnectsReported;
        if (seen > reconnectsReported) this.inc(seen - reconnectsReported);
        reconnectsReported = Math.max(seen, reconnectsReported);
      },
    }),
);

const LIVE = new Set(['idle', 'busy']);

export const poolAgents = once(
  'switchyard_pool_agents',
  () =>
    new Gauge<'pool' | 'status'>({
      name: 'switchyard_pool_agents',
      help: 'Registered agents per pool and status (idle and busy take work; busy is at its concurrency)',
      labelNames: ['pool', 'status'],
      async collect() {
        const rows = await fleetOnce();
        this.reset();
        for (const r of rows) if (r.pool !== null) this.set({ pool: r.pool, status: r.status }, r.agents);
      },
    }),
);
export const agentsByStatus = once(
  'switchyard_agents',
  () =>
    new Gauge<'status'>({
      name: 'switchyard_agents',
      help: 'Registered agents by status, pools or not (offline, idle, busy, draining, error)',
      labelNames: ['status'],
      async collect() {
        const rows = await fleetOnce();
        this.reset();
        for (const r of rows) if (r.pool === null) this.set({ status: r.status }, r.agents);
      },
    }),
);
export const poolCapacity = once(
  'switchyard_pool_capacity',
  () =>
    new Gauge<'pool'>({
      name: 'switchyard_pool_capacity',
      help: 'Summed max concurrency of the live (idle or busy) agents of each pool',
      labelNames: ['pool'],
      async collect() {
        const rows = await fleetOnce();
        this.reset();
        const byPool = new Map<string, number>();
        for (const r of rows) {
          if (r.pool !== null && LIVE.has(r.status)) byPool.set(r.pool, (byPool.get(r.pool) ?? 0) + r.capacity);
        }
        for (const [pool, capacity] of byPool) this.set({ pool }, capacity);
      },
    }),
);

/** One query serves the three fleet gauges of a scrape (and any scrape within the next second). */
const FLEET_CACHE_MS = 1_000;
let fleetCache: { at: number; rows: Promise<FleetCount[]> } | undefined;

function fleetOnce(): Promise<FleetCount[]> {
  const source = scrapeSources.fleet;
  if (!source) return Promise.resolve([]);
  if (!fleetCache || Date.now() - fleetCache.at >= FLEET_CACHE_MS) {
    // A failed query yields no fleet series for this scrape rather than failing /metrics.
    fleetCache = { at: Date.now(), rows: source().catch(() => []) };
  }
  return fleetCache.rows;
}
