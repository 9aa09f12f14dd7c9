import { headers } from '@nats-io/transport-node';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { AgentTransport } from '@switchyard/domain';
import { TRACEPARENT_HEADER } from '@switchyard/domain';
import { CommandPublisher, deliveryOf, JetStreamService, StatusEvent } from '@switchyard/messaging';
import { commandsDelivered, deliveriesUnreachable, traceFields } from '@switchyard/observability';
import { type CommandRow, markAgentUnreachable, PG_POOL, transitionCommand } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { DeliveryReceipts } from './delivery-receipts';

const delivered = commandsDelivered;
const unreachable = deliveriesUnreachable;

/**
 * Sends claimed attempts to their agents and announces the claim. A delivery
 * is a NATS message with a reply subject (DeliveryReceipts), so that the
 * server answers "no responders" when nobody subscribes to that agent's
 * delivery subject any more (its connection is gone): the attempt is released
 * at once and the agent marked offline, instead of waiting out the ack
 * timeout. Anything else (no answer, which is the rule since the SDK sends no
 * receipt, an agent's empty reply, a lost message) leaves the attempt to the
 * agent's report or to the ack-timeout job.
 */
@Injectable()
export class DeliveryService implements OnModuleDestroy {
  private readonly logger = new Logger(DeliveryService.name);
  private readonly receipts: DeliveryReceipts;

  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    this.receipts = new DeliveryReceipts(jetstream.nc);
  }

  onModuleDestroy(): void {
    this.receipts.close();
  }

  /**
   * Delivers each claimed attempt by its agent's transport: a NATS message
   * with a reply subject to an SDK agent; to an HTTP agent, a wake-up for its long poll (the attempt
   * waits in the ledger, see takeHttpDeliveries).
   */
  deliver(claimed: readonly CommandRow[], now: Date, transportOf: ReadonlyMap<string, AgentTransport>): void {
    const woken = new Set<string>();
    for (const row of claimed) {
      if (!row.assigned_agent) continue;
      if (transportOf.get(row.assigned_agent) === 'http') {
        if (!woken.has(row.assigned_agent)) this.jetstream.nc.publish(this.jetstream.subjects.wake(row.assigned_agent));
        woken.add(row.assigned_agent);
        continue;
      }
      const delivery = deliveryOf(row);
      const agentId = row.assigned_agent;
      const h = headers();
      if (delivery.traceparent) h.set(TRACEPARENT_HEADER, delivery.traceparent);
      this.logger.debug(
        { commandId: row.id, agentId, attempt: row.attempt, ...traceFields(delivery.traceparent) },
        'delivering',
      );
      // The callback may be held for seconds (a delivery is rarely answered): it keeps what a release needs,
      // not the row and its payload.
      const attempt = { id: row.id, attempt: row.attempt, traceparent: row.traceparent };
      try {
        this.receipts.send(this.jetstream.subjects.deliver(agentId), JSON.stringify(delivery), h, () => {
          this.releaseUnreachable(attempt, agentId, now).catch((err: unknown) =>
            this.logger.warn({ commandId: attempt.id, agentId, err: String(err) }, 'release failed'),
          );
        });
      } catch (err) {
        // The connection is closing: the attempt is the ack timeout's to hand back, as for a lost message.
        this.logger.warn({ commandId: row.id, agentId, err: String(err) }, 'delivery not sent');
      }
    }
    delivered.inc(claimed.length);
    this.announce(claimed, 'claim', now);
  }

  /** The agent is gone: hand the attempt back (not a failure: it never started) and stop routing to the agent. */
  private async releaseUnreachable(
    row: Pick<CommandRow, 'id' | 'attempt' | 'traceparent'>,
    agentId: string,
    sentAt: Date,
  ): Promise<void> {
    unreachable.inc();
    const marked = await markAgentUnreachable(this.pool, agentId, sentAt, new Date());
    if (marked) {
      const status: StatusEvent = {
        phase: 'offline',
        activity: 'unreachable',
        detail: 'a delivery found no subscriber',
        ...(marked.sessionId ? { sessionId: marked.sessionId } : {}),
        at: new Date().toISOString(),
      };
      this.jetstream.sendJson(this.jetstream.subjects.status(agentId), status);
    }
    const now = new Date();
    const result = await transitionCommand(
      this.pool,
      row.id,
      { kind: 'release', attempt: row.attempt },
      { event: 'release', agentId, data: { reason: 'no subscriber' } },
      now,
    );
    if (result.kind !== 'applied') return;
    this.logger.warn(
      { commandId: row.id, agentId, attempt: row.attempt, ...traceFields(row.traceparent) },
      'agent unreachable; attempt released',
    );
    this.announce([result.row], 'release', now, result.transition.from);
    await this.publisher.publishQueued([result.row]);
  }

  /** Lifecycle events are best effort after the commit: the ledger already holds the truth. */
  announce(rows: readonly CommandRow[], event: string, now: Date, from: CommandRow['state'] | null = 'queued'): void {
    if (rows.length === 0) return;
    this.publisher
      .publishLifecycle(rows, { event, from, at: now })
      .catch((err: unknown) => this.logger.warn({ err: String(err), count: rows.length }, 'lifecycle publish failed'));
  }
}
