import { claimPastDeadline } from '@switchyard/persistence';
import { commandTransitionJob } from './command-transition';

const base = commandTransitionJob({ name: 'deadline', claim: claimPastDeadline, event: () => ({ kind: 'expire' }) });

/** Non-terminal commands past their deadline expire (dead letter); the agent holding one is told to cancel. */
export const deadlineJob: typeof base = {
  ...base,
  async apply(tx, row, now) {
    const effects = await base.apply(tx, row, now);
    const held = (row.state === 'dispatched' || row.state === 'running') && row.assigned_agent;
    return held
      ? [...effects, { kind: 'cancel-on-agent', agentId: row.assigned_agent!, commandId: row.id, attempt: row.attempt }]
      : effects;
  },
};
