import { claimExpiredLeases } from '@switchyard/persistence';
import { commandTransitionJob } from './command-transition';

/**
 * `dispatched` commands the agent did not accept within the ack timeout: next
 * attempt, or failed. An attempt an HTTP agent never claimed (it waited in
 * the ledger for a free slot of that agent) is released instead: back to the
 * queue for whichever agent has room, without using up an attempt.
 */
export const ackTimeoutJob = commandTransitionJob({
  name: 'ack-timeout',
  claim: (tx, now, limit) => claimExpiredLeases(tx, 'dispatched', now, limit),
  event: (row) =>
    row.handed_out ? { kind: 'ack-timeout', attempt: row.attempt } : { kind: 'release', attempt: row.attempt },
});
