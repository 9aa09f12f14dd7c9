import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandPublisher, Delivery, JetStreamService } from '@switchyard/messaging';
import { counter } from '@switchyard/observability';
import type { CommandRow } from '@switchyard/persistence';

const delivered = counter('switchyard_commands_delivered_total', 'Attempts delivered to agents');

/**
 * Sends claimed attempts to their agents and announces the claim. Delivery is
 * a core NATS publish: if it is lost, or the agent is gone, the ack-timeout
 * job returns the command to the queue with the next attempt.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
  ) {}

  deliver(claimed: readonly CommandRow[], now: Date): void {
    for (const row of claimed) {
      if (!row.assigned_agent) continue;
      const delivery: Delivery = {
        id: row.id,
        type: row.type,
        payload: row.payload,
        attempt: row.attempt,
        deadlineAt: row.deadline_at.toISOString(),
        ackTimeoutMs: row.ack_timeout_ms,
        heartbeatTimeoutMs: row.heartbeat_timeout_ms,
        depth: row.depth,
        caller: row.caller,
      };
      this.jetstream.sendJson(this.jetstream.subjects.deliver(row.assigned_agent), delivery);
      this.logger.debug({ commandId: row.id, agentId: row.assigned_agent, attempt: row.attempt }, 'delivered');
    }
    delivered.inc(claimed.length);
    this.announce(claimed, 'claim', now);
  }

  /** Lifecycle events are best effort after the commit: the ledger already holds the truth. */
  announce(rows: readonly CommandRow[], event: string, now: Date, from: CommandRow['state'] | null = 'queued'): void {
    if (rows.length === 0) return;
    this.publisher
      .publishLifecycle(rows, { event, from, at: now })
      .catch((err: unknown) => this.logger.warn({ err: String(err), count: rows.length }, 'lifecycle publish failed'));
  }
}
