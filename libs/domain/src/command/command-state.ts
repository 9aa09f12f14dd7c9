/**
 * The command lifecycle's states. The edges between them live in one place:
 * `command.transitions.ts`.
 */
export const COMMAND_STATES = [
  'scheduled',
  'queued',
  'dispatched',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'expired',
  'stuck',
] as const;

export type CommandState = (typeof COMMAND_STATES)[number];

export const TERMINAL_STATES: readonly CommandState[] = ['succeeded', 'failed', 'cancelled', 'expired', 'stuck'];

/** States in which an agent holds the command (it counts against its capacity). */
export const IN_FLIGHT_STATES: readonly CommandState[] = ['dispatched', 'running'];

export function isTerminal(state: CommandState): boolean {
  return TERMINAL_STATES.includes(state);
}

export type CommandMode = 'async' | 'sync';

export type TargetKind = 'agent' | 'pool';

export interface CommandTarget {
  kind: TargetKind;
  name: string;
}
