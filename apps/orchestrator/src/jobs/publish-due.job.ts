import { claimPublishDue, CommandRow, markPublished } from '@switchyard/persistence';
import { DueJob } from '../runner/due-job';

/**
 * Offers `queued` commands to the dispatchers when they become dispatchable
 * and nobody has: a retry whose backoff passed, or a row whose publish after
 * commit was lost (relay, after `relayAfterMs`). Not a state change: it stamps
 * `published_at` and publishes after commit; a duplicate is harmless.
 */
export function publishDueJob(relayAfterMs: number): DueJob<CommandRow> {
  return {
    name: 'publish-due',
    claim: (tx, now, limit) => claimPublishDue(tx, now, new Date(now.getTime() - relayAfterMs), limit),
    idOf: (row) => row.id,
    async apply(tx, row, now) {
      return (await markPublished(tx, row.id, now)) ? [{ kind: 'offer', row }] : [];
    },
  };
}
