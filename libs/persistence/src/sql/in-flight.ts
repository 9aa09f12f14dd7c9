/**
 * The agent an attempt is in flight with (dispatched or running), else NULL,
 * as an expression of the row aliased `alias`. Index commands_in_flight_by_agent
 * is built on this exact expression, and no other index is, so a count through
 * it reads only in-flight entries however the planner costs the table. The
 * index's definition is frozen in migration 1763900000800: a change here needs
 * a migration building the index anew, or the planner stops using it.
 */
export function inFlightAgent(alias: string): string {
  return `(CASE WHEN ${alias}.state IN ('dispatched', 'running') THEN ${alias}.assigned_agent END)`;
}

/**
 * Attempts the agent `agent` (an SQL expression) holds: dispatched or running,
 * and matching `where` (a predicate on the row aliased `f`) if given. The
 * state predicate repeats the index's, which lets the planner use it.
 */
export function inFlightCount(agent: string, where?: string): string {
  return `(SELECT count(*) FROM commands f
    WHERE ${inFlightAgent('f')} = ${agent} AND f.state IN ('dispatched', 'running')${where ? ` AND ${where}` : ''})`;
}

/**
 * Attempts an HTTP agent `agent` (an SQL expression) has claimed and not
 * finished: in flight and handed out (`delivered_attempt` is their attempt).
 * The rest of its in-flight attempts wait in the ledger for a free slot.
 */
export function claimedCount(agent: string): string {
  return inFlightCount(agent, 'f.delivered_attempt IS NOT DISTINCT FROM f.attempt');
}
