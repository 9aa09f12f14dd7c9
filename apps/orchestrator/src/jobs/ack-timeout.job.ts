import { claimExpiredLeases } from '@switchyard/persistence';
import { commandTransitionJob } from './command-transition';

/** `dispatched` commands the agent did not accept within the ack timeout: next attempt, or failed. */
export const ackTimeoutJob = commandTransitionJob({
  name: 'ack-timeout',
  claim: (tx, now, limit) => claimExpiredLeases(tx, 'dispatched', now, limit),
  event: (row) => ({ kind: 'ack-timeout', attempt: row.attempt }),
});
