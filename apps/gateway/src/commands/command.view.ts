import type { CommandRow, CommandEventRow } from '@switchyard/persistence';

/** A command as the HTTP API shows it. Listings carry previews; the detail carries full bodies. */
export function commandView(row: CommandRow, detail: boolean) {
  return {
    id: row.id,
    state: row.state,
    target: row.target_kind === 'agent' ? { agent: row.target } : { pool: row.target },
    type: row.type,
    mode: row.mode,
    caller: row.caller,
    idempotencyKey: row.idempotency_key,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    backoff: row.backoff,
    assignedAgent: row.assigned_agent,
    runAt: iso(row.run_at),
    deadline: iso(row.deadline_at),
    ...(detail
      ? { payload: row.payload, result: row.result }
      : { payloadPreview: row.payload_preview, resultPreview: row.result_preview }),
    error: row.error,
    depth: row.depth,
    parentId: row.parent_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    dispatchedAt: iso(row.dispatched_at),
    acceptedAt: iso(row.accepted_at),
    finishedAt: iso(row.finished_at),
  };
}

export function eventView(e: CommandEventRow) {
  return {
    id: Number(e.id),
    event: e.event,
    from: e.from_state,
    to: e.to_state,
    attempt: e.attempt,
    agentId: e.agent_id,
    data: e.data,
    at: e.at.toISOString(),
  };
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
