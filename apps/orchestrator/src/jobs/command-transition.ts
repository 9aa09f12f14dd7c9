import { CommandEvent, transition } from '@switchyard/domain';
import { applyTransition, CommandRow, toSnapshot } from '@switchyard/persistence';
import type { PoolClient } from 'pg';
import { DueJob, Effect } from '../runner/due-job';

/**
 * A job whose rows are commands and whose step is one edge of the pure
 * transition table. The row is locked by the claim, so the compare-and-set
 * cannot miss; a refusal means the claim and the table disagree, a bug worth
 * an error in the log.
 */
export function commandTransitionJob<Row extends CommandRow>(spec: {
  name: string;
  claim: (tx: PoolClient, now: Date, limit: number) => Promise<Row[]>;
  event: (row: Row) => CommandEvent;
}): DueJob<Row> {
  return {
    name: spec.name,
    claim: spec.claim,
    idOf: (row) => row.id,
    async apply(tx, row, now) {
      const event = spec.event(row);
      const outcome = transition(toSnapshot(row), event, now);
      if (outcome.kind !== 'apply') throw new Error(`${event.kind} on a ${row.state} row: ${outcome.kind}`);
      const updated = await applyTransition(tx, row.id, outcome, { event: event.kind, data: { by: spec.name } }, now);
      if (!updated) throw new Error(`compare-and-set missed a locked ${row.state} row`);
      const effects: Effect[] = [{ kind: 'lifecycle', row: updated, event: event.kind, from: row.state }];
      if (updated.state === 'queued' && updated.available_at <= now) effects.push({ kind: 'offer', row: updated });
      if (outcome.deadLetter) effects.push({ kind: 'dead-letter', commandId: row.id });
      return effects;
    },
  };
}
