import type { AgentStatusRow } from '@switchyard/persistence';

/** An agent with its current status, as the HTTP API shows it. */
export function agentView(row: AgentStatusRow) {
  return {
    id: row.id,
    name: row.name,
    pools: row.pools,
    concurrency: row.max_concurrency,
    status: {
      phase: row.status,
      activity: row.activity,
      detail: row.detail,
      commandId: row.status_command_id,
      at: row.updated_at.toISOString(),
    },
    lastHeartbeatAt: row.last_heartbeat_at?.toISOString() ?? null,
  };
}
