import type { CommandError, CommandState } from '@switchyard/domain';

/** Published on `<ns>.cmd.events.<id>` after every committed transition. */
export interface LifecycleEvent {
  commandId: string;
  event: string;
  from: CommandState | null;
  state: CommandState;
  attempt: number;
  agentId: string | null;
  at: string;
  result?: unknown;
  error?: CommandError | null;
  /** The command's W3C trace context (also the message's `traceparent` header). */
  traceparent?: string;
}
