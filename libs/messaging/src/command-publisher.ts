import { headers } from '@nats-io/transport-node';
import { type CommandState, type TargetKind, TRACEPARENT_HEADER } from '@switchyard/domain';
import { LifecycleEvent } from './contracts/lifecycle-event';
import { commandTraceparent } from './contracts/trace';
import { JetStreamService } from './jetstream.service';

/**
 * Header marking a submit message published from an existing ledger row (by
 * the gateway after its commit, or by the orchestrator's publish job). The
 * dispatcher then reads the row instead of upserting one from the body.
 */
export const LEDGER_ID_HEADER = 'Switchyard-Command-Id';

export interface PublishableCommand {
  id: string;
  target_kind: TargetKind;
  target: string;
  attempt: number;
  traceparent?: string | null;
}

export interface TransitionRecord {
  id: string;
  state: CommandState;
  attempt: number;
  assigned_agent: string | null;
  result?: unknown;
  error?: LifecycleEvent['error'];
  traceparent?: string | null;
  /** With run_at, when the command became due: the start of its latency metrics. */
  created_at?: Date;
  run_at?: Date | null;
}

export interface LifecycleMeta {
  event: string;
  from: CommandState | null;
  at: Date;
}

/** Told of every publish this publisher makes, after it was handed to NATS (metrics hook here). */
export interface PublishListener {
  queued?(rows: readonly PublishableCommand[]): void;
  lifecycle?(records: readonly TransitionRecord[], meta: LifecycleMeta): void;
}

/**
 * Publishing that follows a ledger commit. Every publish here is safe to
 * repeat: JetStream de-duplicates on the message id within its window, and
 * the dispatcher's claim is a compare-and-set.
 */
export class CommandPublisher {
  private readonly listeners: PublishListener[] = [];

  constructor(private readonly jetstream: JetStreamService) {}

  /** Adds a listener; returns the function that removes it. */
  listen(listener: PublishListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Offers queued commands to the dispatchers. The message id is the command
   * id for the first attempt (so a relay of a publish that did arrive is
   * dropped as a duplicate) and `<id>:<attempt>` for later ones.
   */
  async publishQueued(rows: readonly PublishableCommand[]): Promise<void> {
    if (rows.length === 0) return;
    const subjects = this.jetstream.subjects;
    await Promise.all(
      rows.map((row) => {
        const h = headers();
        h.set(LEDGER_ID_HEADER, row.id);
        h.set(TRACEPARENT_HEADER, commandTraceparent(row));
        const subject =
          row.target_kind === 'agent' ? subjects.submitToAgent(row.target) : subjects.submitToPool(row.target);
        const msgID = row.attempt === 0 ? row.id : `${row.id}:${row.attempt}`;
        return this.jetstream.js.publish(subject, '', { msgID, headers: h });
      }),
    );
    for (const l of this.listeners) l.queued?.(rows);
  }

  /**
   * A newly recorded command, after its commit: the `submit` lifecycle event
   * first, then (if queued) the offer to the dispatchers. Published in this
   * order on one connection, the event is in the command's stream before any
   * dispatcher can see the offer, so a `claim` event never precedes it.
   */
  async publishSubmitted(
    rows: readonly (PublishableCommand & TransitionRecord & { created_at: Date })[],
  ): Promise<void> {
    // Synchronous, so the events of a batch leave in one write to the socket rather than one each.
    for (const row of rows) void this.publishLifecycle([row], { event: 'submit', from: null, at: row.created_at });
    await this.publishQueued(rows.filter((r) => r.state === 'queued'));
  }

  /**
   * Lifecycle events of committed transitions, on `<ns>.cmd.events.<id>`. They
   * are best effort (the ledger is the truth; a sync waiter re-reads it), so
   * they go out as core NATS publishes that the COMMAND_EVENTS stream captures,
   * without the per-message request and ack of a JetStream publish; the
   * Nats-Msg-Id header still drops repeats within the duplicate window.
   */
  publishLifecycle(records: readonly TransitionRecord[], meta: LifecycleMeta): Promise<void> {
    for (const r of records) {
      const traceparent = commandTraceparent(r);
      const event: LifecycleEvent = {
        commandId: r.id,
        event: meta.event,
        from: meta.from,
        state: r.state,
        attempt: r.attempt,
        agentId: r.assigned_agent,
        at: meta.at.toISOString(),
        ...(r.state === 'succeeded' ? { result: r.result } : {}),
        ...(r.error ? { error: r.error } : {}),
        traceparent,
      };
      this.jetstream.sendJson(this.jetstream.subjects.commandEvents(r.id), event, `${r.id}:${r.attempt}:${r.state}`, {
        [TRACEPARENT_HEADER]: traceparent,
      });
    }
    for (const l of this.listeners) l.lifecycle?.(records, meta);
    return Promise.resolve();
  }
}
