import type { JsMsg } from '@nats-io/jetstream';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { TRACEPARENT_HEADER } from '@switchyard/domain';
import {
  decodeJsonMessage,
  JetStreamService,
  reportSchema,
  sessionEventSchema,
  slugSchema,
  StatusEvent,
  statusEventSchema,
} from '@switchyard/messaging';
import { natsRejected } from '@switchyard/observability';
import { AgentSessionService } from './agent-session.service';
import { AgentReport, ReportService } from './report.service';
import { RoomSignal } from './room-signal';

/** Reports that end an attempt, and so free a slot of its agent. */
const ENDS_ATTEMPT: ReadonlySet<string> = new Set(['succeeded', 'failed', 'released']);

const rejected = natsRejected;

/** `<ns>.agent.<id>.<kind>` → agent id and kind; undefined unless the id is a valid agent slug. */
function agentSubject(subject: string): { agentId: string; kind: string } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[1] !== 'agent' || !slugSchema.safeParse(parts[2]).success) return undefined;
  return { agentId: parts[2], kind: parts[3] };
}

/**
 * Transport edge for what agents send: reports and session events (REPORTS
 * stream) and status (AGENT_STATUS stream). Each batch is applied, then
 * acked; malformed messages are terminated, logged and counted.
 */
@Injectable()
export class ReportConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReportConsumer.name);

  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(ReportService) private readonly reports: ReportService,
    @Inject(AgentSessionService) private readonly sessions: AgentSessionService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
    @Inject(RoomSignal) private readonly room: RoomSignal,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const reports = {
      stream: 'reports' as const,
      durable: this.jetstream.consumers.dispatcherReports,
      ackWaitMs: this.config.dispatcher.ackWaitMs,
      maxAckPending: 20_000,
    };
    const status = {
      stream: 'agentStatus' as const,
      durable: this.jetstream.consumers.dispatcherStatus,
      ackWaitMs: this.config.dispatcher.ackWaitMs,
      maxAckPending: 5_000,
    };
    const onError = (err: unknown, size: number) =>
      this.logger.error({ err: String(err), size }, 'batch failed; redelivering');
    await this.jetstream.startWorker(reports, {
      maxBatch: this.config.dispatcher.batchSize,
      handle: (m) => this.handleReports(m),
      onError,
    });
    await this.jetstream.startWorker(status, { maxBatch: 256, handle: (m) => this.handleStatus(m), onError });
  }

  private async handleReports(messages: JsMsg[]): Promise<void> {
    const reports: AgentReport[] = [];
    const ackAfter: JsMsg[] = [];
    // An agent that connects brings its whole concurrency: every held command may go.
    let connected = false;
    for (const message of messages) {
      const address = agentSubject(message.subject);
      const decoded = decodeJsonMessage(message.data);
      if (!address) {
        this.reject(message, 'bad-agent-subject');
        continue;
      }
      if (!decoded.ok) {
        this.reject(message, decoded.reason);
        continue;
      }
      const body = decoded.value;
      if (address.kind === 'session') {
        const event = sessionEventSchema.safeParse(body);
        if (!event.success) {
          this.reject(message, 'invalid-session-event');
          continue;
        }
        // Session events change which agents are live: apply them in order, before the reports.
        await this.sessions.apply(address.agentId, event.data);
        connected ||= event.data.kind === 'connect';
        message.ack();
        continue;
      }
      const report = reportSchema.safeParse(body);
      if (address.kind !== 'report' || !report.success) {
        this.reject(message, 'invalid-report');
        continue;
      }
      const traceparent = message.headers?.get(TRACEPARENT_HEADER) || undefined;
      reports.push({ agentId: address.agentId, report: report.data, ...(traceparent ? { traceparent } : {}) });
      ackAfter.push(message);
    }
    const send = await this.reports.apply(reports);
    // The batch's events, then its acks, in one turn: NATS writes them to the socket together.
    send();
    for (const m of ackAfter) m.ack();
    this.room.signal(connected ? Infinity : reports.filter(({ report }) => ENDS_ATTEMPT.has(report.kind)).length);
  }

  /** Only the latest status of each agent in a batch is folded into the ledger; the stream keeps them all. */
  private async handleStatus(messages: JsMsg[]): Promise<void> {
    const latest = new Map<string, StatusEvent>();
    const valid: JsMsg[] = [];
    for (const message of messages) {
      const address = agentSubject(message.subject);
      const decoded = decodeJsonMessage(message.data);
      const status = statusEventSchema.safeParse(decoded.ok ? decoded.value : undefined);
      if (!address || !status.success) {
        this.reject(message, 'invalid-status');
        continue;
      }
      latest.set(address.agentId, status.data);
      valid.push(message);
    }
    await Promise.all([...latest].map(([agentId, status]) => this.sessions.applyStatus(agentId, status)));
    for (const m of valid) m.ack();
  }

  private reject(message: JsMsg, reason: string): void {
    rejected.inc({ consumer: 'reports', reason });
    this.logger.warn({ subject: message.subject, seq: message.seq, reason }, 'agent message terminated');
    // No reason argument: NATS 2.9 ignores `+TERM <reason>` and would redeliver forever.
    message.term();
  }
}
