/** An agent's phase: what it reports on its status subject and what the ledger keeps. */
export const AGENT_PHASES = ['offline', 'idle', 'busy', 'draining', 'error'] as const;
export type AgentPhase = (typeof AGENT_PHASES)[number];
