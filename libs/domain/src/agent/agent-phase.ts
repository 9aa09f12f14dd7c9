/** An agent's phase: what it reports on its status subject and what the ledger keeps. */
export const AGENT_PHASES = ['offline', 'idle', 'busy', 'draining', 'error'] as const;
export type AgentPhase = (typeof AGENT_PHASES)[number];

/** How an agent takes its work: NATS deliveries (the SDK), or the gateway's HTTP long poll. */
export const AGENT_TRANSPORTS = ['nats', 'http'] as const;
export type AgentTransport = (typeof AGENT_TRANSPORTS)[number];
