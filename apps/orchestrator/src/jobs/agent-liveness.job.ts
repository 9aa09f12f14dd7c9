import { AgentRow, claimSilentAgents, markAgentOffline } from '@switchyard/persistence';
import { DueJob } from '../runner/due-job';

/**
 * Agents silent for longer than the liveness timeout go `offline`; what they
 * held is recovered by the ack-timeout and heartbeat-loss jobs.
 */
export function agentLivenessJob(livenessTimeoutMs: number): DueJob<AgentRow> {
  return {
    name: 'agent-liveness',
    claim: (tx, now, limit) => claimSilentAgents(tx, new Date(now.getTime() - livenessTimeoutMs), limit),
    idOf: (agent) => agent.id,
    async apply(tx, agent, now) {
      const cutoff = new Date(now.getTime() - livenessTimeoutMs);
      const marked = await markAgentOffline(tx, agent.id, cutoff, now);
      return marked ? [{ kind: 'agent-offline', agentId: agent.id, sessionId: marked.sessionId }] : [];
    },
  };
}
