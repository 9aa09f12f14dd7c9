// A graphile-worker process for the benchmark: one no-op task, settings from
// the environment. Plain JavaScript on plain node, as the Switchyard services
// run, so that its RSS compares. The parent (bench/peers/peer.ts) talks to it
// over IPC: "ready" once running; on "stop" it answers with the start
// latencies it saw (handler entry minus the sentAt in the payload) and exits.
import { Logger, run } from 'graphile-worker';

const env = process.env;
const starts = [];
const quiet = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`${message}\n`);
});

const runner = await run({
  connectionString: env.PEER_DATABASE_URL,
  schema: env.PEER_SCHEMA,
  concurrency: Number(env.GW_CONCURRENCY),
  maxPoolSize: Number(env.GW_MAX_POOL_SIZE),
  pollInterval: Number(env.GW_POLL_INTERVAL_MS),
  noHandleSignals: true,
  logger: quiet,
  taskList: {
    noop: (payload) => {
      starts.push({ sentAt: payload.sentAt, ms: Date.now() - payload.sentAt });
      return Promise.resolve();
    },
  },
  preset: {
    worker: {
      localQueue: { size: Number(env.GW_LOCAL_QUEUE_SIZE) },
      completeJobBatchDelay: Number(env.GW_COMPLETE_BATCH_DELAY_MS),
      failJobBatchDelay: Number(env.GW_COMPLETE_BATCH_DELAY_MS),
    },
  },
});

process.on('message', (msg) => {
  if (msg?.type !== 'stop') return;
  process.send({ type: 'starts', starts }, () => {
    runner.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
});
process.send({ type: 'ready' });
