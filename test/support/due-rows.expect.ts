import { expect } from '@jest/globals';
import type { Queryable } from '@switchyard/persistence';
import { EVENT_OF } from './due-rows';

/** Exactly `perKind` events of each due kind's transition, one per command: none applied twice, none missed. */
export async function expectOneEventPerDueCommand(db: Queryable, perKind: number): Promise<void> {
  const { rows: events } = await db.query<{ type: string; event: string; n: number; commands: number }>(
    `SELECT c.type, e.event, count(*)::int AS n, count(DISTINCT e.command_id)::int AS commands
     FROM command_events e JOIN commands c ON c.id = e.command_id GROUP BY c.type, e.event ORDER BY 1, 2`,
  );
  expect(events).toEqual(
    Object.entries(EVENT_OF)
      .map(([kind, event]) => ({ type: `due-${kind}`, event, n: perKind, commands: perKind }))
      .sort((a, b) => a.type.localeCompare(b.type)),
  );
}
