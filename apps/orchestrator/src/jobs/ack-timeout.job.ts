import { claimExpiredLeases } from '@switchyard/persistence';
import { commandTransitionJob } from './command-transition';

/**
 * `dispatched` commands the agent did not accept within the ack timeout: next
 * attempt, or failed. An attempt an HTTP agent could not claim yet (it waited
 * in the ledger while the agent's every slot was busy) is released instead:
 * back to the queue for whichever agent has room, without using up an
 * attempt (decision 020).
 */
export const ackTimeoutJob = commandTransitionJob({
  name: 'ack-timeout',
  claim: (tx, now, limit) => claimExpiredLeases(tx, 'dispatched', now, limit),
  event: (row) =>
    row.waited_for_slot ? { kind: 'release', attempt: row.attempt } : { kind: 'ack-timeout', attempt: row.attempt },
});
