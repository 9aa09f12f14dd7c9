// A pg-boss process for the benchmark: PB_WORKERS polling workers on one
// no-op queue, settings from the environment. Plain JavaScript on plain node,
// as the Switchyard services run, so that its RSS compares. IPC as in
// graphile-worker.worker.mjs.
import PgBoss from 'pg-boss';

const env = process.env;
const starts = [];
const boss = new PgBoss({
  connectionString: env.PEER_DATABASE_URL,
  schema: env.PEER_SCHEMA,
  max: Number(env.PB_MAX_POOL_SIZE),
  schedule: false,
});
boss.on('error', (err) => process.stderr.write(`pg-boss: ${err.message}\n`));
await boss.start();
for (let i = 0; i < Number(env.PB_WORKERS); i += 1) {
  await boss.work(
    env.PEER_QUEUE,
    { batchSize: Number(env.PB_BATCH_SIZE), pollingIntervalSeconds: Number(env.PB_POLLING_INTERVAL_S) },
    (jobs) => {
      const now = Date.now();
      for (const job of jobs) starts.push({ sentAt: job.data.sentAt, ms: now - job.data.sentAt });
      return Promise.resolve();
    },
  );
}

process.on('message', (msg) => {
  if (msg?.type !== 'stop') return;
  process.send({ type: 'starts', starts }, () => {
    boss.stop({ graceful: true, wait: true, timeout: 5_000 }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
});
process.send({ type: 'ready' });
