import { claimDueScheduled } from '@switchyard/persistence';
import { commandTransitionJob } from './command-transition';

/** `scheduled` commands whose runAt has passed become `queued` and are offered to the dispatchers. */
export const scheduledDueJob = commandTransitionJob({
  name: 'scheduled-due',
  claim: claimDueScheduled,
  event: () => ({ kind: 'due' }),
});
