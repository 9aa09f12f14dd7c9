import { claimExpiredLeases } from '@switchyard/persistence';
import { commandTransitionJob } from './command-transition';

/** `running` commands whose heartbeats stopped: next attempt when one is left, else stuck. */
export const heartbeatLossJob = commandTransitionJob({
  name: 'heartbeat-loss',
  claim: (tx, now, limit) => claimExpiredLeases(tx, 'running', now, limit),
  event: (row) => ({ kind: 'heartbeat-lost', attempt: row.attempt }),
});
