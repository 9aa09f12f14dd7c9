import { claimUnpublishedDeadLetters, DeadLetterRow, markDeadLettersPublished } from '@switchyard/persistence';
import { DueJob } from '../runner/due-job';

/**
 * Publishes the events of dead letters whose writer did not get them
 * acknowledged (a crash or a NATS outage after the commit), once
 * `relayAfterMs` has passed since the dead letter was written.
 *
 * Unlike every other job, the step publishes inside the pass, before the
 * commit: `published_at` may only be stamped after JetStream acknowledged the
 * event, and a step that throws (publish refused, NATS down) is rolled back
 * alone and claimed again next tick. A commit lost after a publish
 * republishes the same event later; its message id (`deadletter:<id>`) makes
 * that harmless, both in JetStream's duplicate window and in the trigger
 * ledger afterwards.
 */
export function deadLetterRelayJob(
  relayAfterMs: number,
  publish: (rows: readonly DeadLetterRow[]) => Promise<string[]>,
): DueJob<DeadLetterRow> {
  return {
    name: 'dead-letter-relay',
    claim: (tx, now, limit) => claimUnpublishedDeadLetters(tx, new Date(now.getTime() - relayAfterMs), limit),
    idOf: (row) => row.id,
    async apply(tx, row, now) {
      const sent = await publish([row]);
      if (!sent.includes(row.id)) throw new Error('dead-letter event not acknowledged by JetStream');
      await markDeadLettersPublished(tx, [row.id], now);
      return [];
    },
  };
}
