import type { Pool } from 'pg';
import { ackTimeoutJob } from '../../apps/orchestrator/src/jobs/ack-timeout.job';
import { agentLivenessJob } from '../../apps/orchestrator/src/jobs/agent-liveness.job';
import { deadlineJob } from '../../apps/orchestrator/src/jobs/deadline.job';
import { heartbeatLossJob } from '../../apps/orchestrator/src/jobs/heartbeat-loss.job';
import { publishDueJob } from '../../apps/orchestrator/src/jobs/publish-due.job';
import { retentionJob } from '../../apps/orchestrator/src/jobs/retention.job';
import { scheduledDueJob } from '../../apps/orchestrator/src/jobs/scheduled-due.job';
import type { DueJob, Effect } from '../../apps/orchestrator/src/runner/due-job';
import { DueRunner } from '../../apps/orchestrator/src/runner/due-runner';

/** Timeouts of the jobs under test: the defaults of the env schema. */
export const LIVENESS_MS = 30_000;
export const RELAY_AFTER_MS = 30_000;
export const RETENTION_MS = 7 * 24 * 3_600_000;

/** The orchestrator's command and agent jobs, in TickerService's order (retention apart). */
export function commandAndAgentJobs(): DueJob<unknown>[] {
  return [
    deadlineJob,
    agentLivenessJob(LIVENESS_MS),
    ackTimeoutJob,
    heartbeatLossJob,
    scheduledDueJob,
    publishDueJob(RELAY_AFTER_MS),
  ] as DueJob<unknown>[];
}

export const jobs = {
  deadline: deadlineJob,
  agentLiveness: agentLivenessJob(LIVENESS_MS),
  ackTimeout: ackTimeoutJob,
  heartbeatLoss: heartbeatLossJob,
  scheduledDue: scheduledDueJob,
  publishDue: publishDueJob(RELAY_AFTER_MS),
  retention: retentionJob(RETENTION_MS),
};

/**
 * The same job seen at a fixed instant: claim and apply get `now` instead of
 * the runner's clock, so a test can put a row exactly at the boundary.
 */
export function at<Row>(job: DueJob<Row>, now: Date): DueJob<Row> {
  return { ...job, claim: (tx, _now, limit) => job.claim(tx, now, limit), apply: (tx, row) => job.apply(tx, row, now) };
}

/** A runner whose after-commit effects are recorded instead of published. */
export function recordingRunner(
  pool: Pool,
  options: { batchSize?: number; jobs?: DueJob<unknown>[] } = {},
): { runner: DueRunner; effects: Effect[] } {
  const effects: Effect[] = [];
  const runner = new DueRunner(
    pool,
    options.jobs ?? commandAndAgentJobs(),
    { tickIntervalMs: 1_000, batchSize: options.batchSize ?? 200 },
    (list) => {
      effects.push(...list);
      return Promise.resolve();
    },
  );
  return { runner, effects };
}
