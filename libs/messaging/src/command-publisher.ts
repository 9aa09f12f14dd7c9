import { headers } from '@nats-io/transport-node';
import type { CommandState, TargetKind } from '@switchyard/domain';
import { LifecycleEvent } from './contracts/lifecycle-event';
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
}

export interface TransitionRecord {
  id: string;
  state: CommandState;
  attempt: number;
  assigned_agent: string | null;
  result?: unknown;
  error?: LifecycleEvent['error'];
}

/**
 * Publishing that follows a ledger commit. Every publish here is safe to
 * repeat: JetStream de-duplicates on the message id within its window, and
 * the dispatcher's claim is a compare-and-set.
 */
export class CommandPublisher {
  constructor(private readonly jetstream: JetStreamService) {}

  /**
   * Offers queued commands to the dispatchers. The message id is the command
   * id for the first attempt (so a relay of a publish that did arrive is
   * dropped as a duplicate) and `<id>:<attempt>` for later ones.
   */
  async publishQueued(rows: readonly PublishableCommand[]): Promise<void> {
    const subjects = this.jetstream.subjects;
    await Promise.all(
      rows.map((row) => {
        const h = headers();
        h.set(LEDGER_ID_HEADER, row.id);
        const subject =
          row.target_kind === 'agent' ? subjects.submitToAgent(row.target) : subjects.submitToPool(row.target);
        const msgID = row.attempt === 0 ? row.id : `${row.id}:${row.attempt}`;
        return this.jetstream.js.publish(subject, '', { msgID, headers: h });
      }),
    );
  }

  /**
   * Lifecycle events of committed transitions, on `<ns>.cmd.events.<id>`. They
   * are best effort (the ledger is the truth; a sync waiter re-reads it), so
   * they go out as core NATS publishes that the COMMAND_EVENTS stream captures,
   * without the per-message request and ack of a JetStream publish; the
   * Nats-Msg-Id header still drops repeats within the duplicate window.
   */
  publishLifecycle(
    records: readonly TransitionRecord[],
    meta: { event: string; from: CommandState | null; at: Date },
  ): Promise<void> {
    for (const r of records) {
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
      };
      this.jetstream.sendJson(this.jetstream.subjects.commandEvents(r.id), event, `${r.id}:${r.attempt}:${r.state}`);
    }
    return Promise.resolve();
  }
}
