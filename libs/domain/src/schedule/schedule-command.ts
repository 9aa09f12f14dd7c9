import { CommandDefaults, draftCommand, DraftResult } from '../command/command-draft';
import { CommandTarget } from '../command/command-state';
import { BackoffPolicy } from '../retry/backoff';

/** Per-command options a schedule applies to every command it fires. */
export interface ScheduledCommandOptions {
  maxAttempts?: number;
  backoff?: Partial<BackoffPolicy>;
  ackTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  /** Deadline of each fired command, counted from when it is created. */
  deadlineMs?: number;
}

/** The command a schedule fires, as stored with the schedule. */
export interface ScheduledCommand {
  target: CommandTarget;
  type: string;
  payload: unknown;
  options: ScheduledCommandOptions;
}

/**
 * The ledger `caller` of the commands a schedule fires. With the fire time as
 * idempotency key (`fireKey`), the unique (caller, idempotency key) index of
 * `commands` holds each fire time to one command, however many orchestrators
 * try to insert it.
 */
export function scheduleCaller(scheduleId: string): string {
  return `schedule:${scheduleId}`;
}

/** The idempotency key of the command fired for `fireTime`: its ISO form. */
export function fireKey(fireTime: Date): string {
  return fireTime.toISOString();
}

/** The async command for one fire time; same rules and defaults as a submitted command. */
export function draftFiredCommand(
  command: ScheduledCommand,
  ctx: { scheduleId: string; fireTime: Date; id: string; defaults: CommandDefaults; now: Date },
): DraftResult {
  const { options } = command;
  return draftCommand(
    {
      type: command.type,
      payload: command.payload,
      idempotencyKey: fireKey(ctx.fireTime),
      mode: 'async',
      deadline: new Date(ctx.now.getTime() + (options.deadlineMs ?? ctx.defaults.deadlineMs)),
      maxAttempts: options.maxAttempts,
      backoff: options.backoff,
      ackTimeoutMs: options.ackTimeoutMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    },
    {
      id: ctx.id,
      target: command.target,
      caller: scheduleCaller(ctx.scheduleId),
      defaults: ctx.defaults,
      now: ctx.now,
    },
  );
}
