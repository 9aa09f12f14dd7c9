import { Inject, Injectable, Logger } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { jsonByteLength, reportEvent } from '@switchyard/domain';
import { CommandPublisher, EventPublisher, JetStreamService, Report } from '@switchyard/messaging';
import { heartbeatsUnmatched, reportsApplied, reportsRefused, traceFields } from '@switchyard/observability';
import {
  acceptBatch,
  deadLettersOfCommands,
  markDeadLettersPublished,
  PG_POOL,
  recordHeartbeats,
  succeedBatch,
  transitionCommand,
} from '@switchyard/persistence';
import type { Pool } from 'pg';
import { DeliveryService } from './delivery.service';
import { type Sends, withQueuedSends } from './queued-sends';

const refused = reportsRefused;
/** A report with the agent whose subject it came on. */
export interface AgentReport {
  agentId: string;
  report: Report;
  /** The `traceparent` header the agent sent the report with, if any. */
  traceparent?: string;
}

function toBatched({ agentId, report }: AgentReport) {
  return { commandId: report.commandId, attempt: report.attempt, agentId };
}

const staleHeartbeats = heartbeatsUnmatched;

/**
 * Applies agents' reports with fenced compare-and-set transitions. Reports on
 * different commands run concurrently; reports on one command run in arrival
 * order. A stale or conflicting report is refused, counted and dropped.
 */
@Injectable()
export class ReportService {
  private readonly logger = new Logger(ReportService.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DeliveryService) private readonly delivery: DeliveryService,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  /**
   * Applies a batch of reports from any agents. The common pair, accepted and
   * succeeded, goes through one set-based statement each; whatever those do
   * not match, and every other kind, is judged row by row with the pure table
   * (in arrival order per command, commands in parallel). Returns the sends
   * of the set-based part (progress and lifecycle events, after their commit),
   * for the caller to make in the same turn as its acks, so that they leave in
   * one socket write. A batch with a row-by-row part sends them before that
   * part, which announces its own as it goes.
   */
  async apply(items: readonly AgentReport[]): Promise<() => void> {
    // On a throw, what was committed is still announced; the batch is redelivered.
    const { send } = await withQueuedSends((sends) => this.applyInto(items, sends));
    return send;
  }

  /** The work of apply(): pushes the sends that follow the set-based commits onto `sends`, in order. */
  private async applyInto(items: readonly AgentReport[], sends: Sends): Promise<void> {
    const now = new Date();
    const beats = items.filter(({ report: r }) => r.kind === 'heartbeat' || r.kind === 'progress');
    const matched = await recordHeartbeats(
      this.pool,
      beats.map(({ report: b }) => ({ commandId: b.commandId, attempt: b.attempt })),
      now,
    );
    staleHeartbeats.inc(beats.length - Math.min(matched, beats.length));
    for (const { agentId, report: r } of beats) {
      if (r.kind !== 'progress') continue;
      const progress = {
        commandId: r.commandId,
        event: 'progress',
        attempt: r.attempt,
        agentId,
        progress: r.progress,
        at: now.toISOString(),
      };
      sends.push(() => this.jetstream.sendJson(this.jetstream.subjects.commandEvents(r.commandId), progress));
    }

    const outcomes = items.filter(({ report: r }) => r.kind !== 'heartbeat' && r.kind !== 'progress');
    const done = new Set<AgentReport>();
    const batchable = (kind: Report['kind']) => {
      const seen = new Set<string>();
      return outcomes.filter((item) => {
        const { report: r } = item;
        if (r.kind !== kind || seen.has(r.commandId)) return false;
        if (r.kind === 'succeeded' && jsonByteLength(r.result) > this.config.limits.maxResultBytes) return false;
        seen.add(r.commandId);
        return true;
      });
    };
    for (const [kind, write] of [
      ['accepted', (list: AgentReport[]) => acceptBatch(this.pool, list.map(toBatched), now)],
      [
        'succeeded',
        (list: AgentReport[]) =>
          succeedBatch(
            this.pool,
            list.map((i) => ({ ...toBatched(i), result: i.report.kind === 'succeeded' ? i.report.result : null })),
            now,
          ),
      ],
    ] as const) {
      const candidates = batchable(kind);
      const rows = await write(candidates);
      const applied = new Set(rows.map((r) => `${r.id}:${r.attempt}`));
      for (const item of candidates) {
        if (applied.has(`${item.report.commandId}:${item.report.attempt}`)) done.add(item);
      }
      reportsApplied.inc({ kind }, rows.length);
      for (const row of rows) {
        sends.push(() =>
          this.delivery.announce([row], kind === 'accepted' ? 'accept' : 'succeed', now, row.from_state),
        );
        this.logger.debug(
          { commandId: row.id, agentId: row.assigned_agent, attempt: row.attempt, ...traceFields(row.traceparent) },
          `report ${kind} applied`,
        );
      }
    }

    const byCommand = new Map<string, AgentReport[]>();
    for (const item of outcomes) {
      if (!done.has(item))
        byCommand.set(item.report.commandId, [...(byCommand.get(item.report.commandId) ?? []), item]);
    }
    // The row-by-row part announces as it goes, so what is queued goes first, in order.
    if (byCommand.size > 0) for (const send of sends.splice(0)) send();
    await Promise.all(
      [...byCommand.values()].map(async (ordered) => {
        for (const { agentId, report, traceparent } of ordered) await this.applyOne(agentId, report, now, traceparent);
      }),
    );
  }

  private async applyOne(agentId: string, report: Report, now: Date, traceparent?: string): Promise<void> {
    const event = reportEvent(report, this.config.limits.maxResultBytes);
    if (!event) return;
    const result = await transitionCommand(this.pool, report.commandId, event, { event: event.kind, agentId }, now);
    const trace = traceFields(traceparent ?? (result.kind === 'not-found' ? undefined : result.row.traceparent));
    const context = { commandId: report.commandId, agentId, attempt: report.attempt, report: report.kind, ...trace };
    switch (result.kind) {
      case 'not-found':
        refused.inc({ kind: report.kind, reason: 'unknown-command' });
        this.logger.warn(context, 'report for an unknown command dropped');
        return;
      case 'noop':
        return;
      case 'refused': {
        refused.inc({ kind: report.kind, reason: result.reason });
        // An accept applied after its own result (another replica took the result first) is routine.
        const routine = report.kind === 'accepted' && result.reason === 'terminal';
        const log = { ...context, reason: result.reason, detail: result.detail };
        if (routine) this.logger.debug(log, 'late accept after the result');
        else this.logger.warn(log, 'report refused');
        return;
      }
      case 'applied': {
        reportsApplied.inc({ kind: report.kind });
        this.logger.debug(context, `report ${report.kind} applied`);
        const { row, transition } = result;
        this.delivery.announce([row], event.kind, now, transition.from);
        if (transition.deadLetter) await this.announceDeadLetter(row.id, context);
        // A released command is available again at once; a retry waits for its backoff (orchestrator).
        if (row.state === 'queued' && row.available_at <= now) {
          await this.publisher
            .publishQueued([row])
            .catch((err: unknown) =>
              this.logger.warn({ ...context, err: String(err) }, 'republish failed; relay will retry'),
            );
        }
        return;
      }
    }
  }

  /**
   * Publishes the dead letter's event once the transition that wrote it has
   * committed, then stamps it published. A failure leaves it unstamped for
   * the orchestrator's dead-letter-relay job.
   */
  private async announceDeadLetter(commandId: string, context: object): Promise<void> {
    try {
      const sent = await this.events.publishDeadLetters(await deadLettersOfCommands(this.pool, [commandId]));
      await markDeadLettersPublished(this.pool, sent, new Date());
    } catch (err) {
      this.logger.warn({ ...context, err: String(err) }, 'dead-letter event not published; relay will retry');
    }
  }
}
