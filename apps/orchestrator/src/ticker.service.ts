import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { EventPublisher } from '@switchyard/messaging';
import { PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { EffectPublisher } from './effect-publisher';
import { ackTimeoutJob } from './jobs/ack-timeout.job';
import { agentLivenessJob } from './jobs/agent-liveness.job';
import { deadLetterRelayJob } from './jobs/dead-letter-relay.job';
import { deadlineJob } from './jobs/deadline.job';
import { debateJob } from './jobs/debate.job';
import { heartbeatLossJob } from './jobs/heartbeat-loss.job';
import { publishDueJob } from './jobs/publish-due.job';
import { retentionJob } from './jobs/retention.job';
import { scheduleFireJob } from './jobs/schedule-fire.job';
import { scheduledDueJob } from './jobs/scheduled-due.job';
import { DueRunner } from './runner/due-runner';

/**
 * The ticker of this replica: every job, in the order that lets one tick
 * finish a chain (deadline first so an expired row is not retried; liveness
 * before leases; schedule fires and debate steps before the offers, so the
 * commands they create go out this tick; offers so that rows released this
 * tick go out at once; dead-letter events whose publish was lost; retention
 * last, as nothing waits on it).
 */
@Injectable()
export class TickerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly runner: DueRunner;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(EffectPublisher) effects: EffectPublisher,
    @Inject(EventPublisher) events: EventPublisher,
    @Inject(SWITCHYARD_CONFIG) config: SwitchyardConfig,
  ) {
    this.runner = new DueRunner(
      pool,
      [
        deadlineJob,
        agentLivenessJob(config.agentLivenessTimeoutMs),
        ackTimeoutJob,
        heartbeatLossJob,
        scheduleFireJob(config.commandDefaults),
        debateJob({ defaults: config.commandDefaults }),
        scheduledDueJob,
        publishDueJob(config.orchestrator.relayAfterMs),
        deadLetterRelayJob(config.orchestrator.relayAfterMs, (rows) => events.publishDeadLetters(rows)),
        retentionJob(config.orchestrator.retentionMs),
      ],
      { tickIntervalMs: config.orchestrator.tickIntervalMs, batchSize: config.orchestrator.batchSize },
      (list) => effects.publish(list),
    );
  }

  onApplicationBootstrap(): void {
    this.runner.start();
  }

  /** Finishes the pass in hand before connections close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
