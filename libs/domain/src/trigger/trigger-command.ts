import { childDepth, limitDepth } from '../command/command-depth';
import { CommandDefaults, draftCommand, DraftResult } from '../command/command-draft';
import { CommandTarget } from '../command/command-state';
import { BackoffPolicy } from '../retry/backoff';
import { matchesSubject } from './event-subject';
import { renderTemplate } from './payload-template';

/** Per-command options a trigger applies to every command it creates. */
export interface TriggerCommandOptions {
  maxAttempts?: number;
  backoff?: Partial<BackoffPolicy>;
  ackTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  /** Deadline of each created command, counted from when it is created. */
  deadlineMs?: number;
}

/** A trigger: events on subjects matching the pattern become commands. */
export interface TriggerSpec {
  id: string;
  subjectPattern: string;
  target: CommandTarget;
  type: string;
  /** Undefined or null: the command's payload is the event's data. */
  payloadTemplate?: unknown;
  options: TriggerCommandOptions;
}

/** An event as the trigger consumer sees it. */
export interface TriggerEvent {
  /** Stable across redeliveries and republishes: the Nats-Msg-Id, else the event's place in the stream. */
  id: string;
  /** Relative to `<ns>.events.`. */
  subject: string;
  data: unknown;
  /** The depth of the command that published the event; 0 when no command did. */
  depth: number;
  causeCommandId: string | null;
  /** Set on the event Switchyard publishes for a dead letter. */
  deadLetterId: string | null;
}

/**
 * The ledger `caller` of the commands a trigger creates. With the event id as
 * idempotency key, the unique (caller, idempotency key) index of `commands`
 * holds each (trigger, event) pair to one command, however often the event is
 * delivered and however many consumers process it.
 */
export function triggerCaller(triggerId: string): string {
  return `trigger:${triggerId}`;
}

/** The triggers an event fires, in the order given. */
export function matchingTriggers<T extends Pick<TriggerSpec, 'subjectPattern'>>(
  triggers: readonly T[],
  subject: string,
): T[] {
  return triggers.filter((t) => matchesSubject(t.subjectPattern, subject));
}

/**
 * The command one trigger creates for one event: async, one deeper than the
 * event, its payload the rendered template (or the event data), and, past
 * `maxDepth`, created `cancelled` instead of queued. A dead-letter handler
 * (the event is a dead letter's) gets a single attempt and is marked as the
 * handler of that dead letter, so its failure annotates the dead letter
 * instead of writing another.
 */
export function draftTriggeredCommand(
  trigger: TriggerSpec,
  event: TriggerEvent,
  ctx: { id: string; defaults: CommandDefaults; now: Date; maxDepth: number },
): DraftResult {
  const { options } = trigger;
  const payload =
    trigger.payloadTemplate === undefined || trigger.payloadTemplate === null
      ? event.data
      : renderTemplate(trigger.payloadTemplate, {
          id: event.id,
          subject: event.subject,
          data: event.data,
          causeCommandId: event.causeCommandId,
        });
  const drafted = draftCommand(
    {
      type: trigger.type,
      payload,
      idempotencyKey: event.id,
      mode: 'async',
      deadline: new Date(ctx.now.getTime() + (options.deadlineMs ?? ctx.defaults.deadlineMs)),
      maxAttempts: event.deadLetterId ? 1 : options.maxAttempts,
      backoff: options.backoff,
      ackTimeoutMs: options.ackTimeoutMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      depth: childDepth(event.depth),
      parentId: event.causeCommandId ?? undefined,
    },
    { id: ctx.id, target: trigger.target, caller: triggerCaller(trigger.id), defaults: ctx.defaults, now: ctx.now },
  );
  if (!drafted.ok) return drafted;
  const draft = event.deadLetterId ? { ...drafted.draft, handlesDeadLetter: event.deadLetterId } : drafted.draft;
  return { ok: true, draft: limitDepth(draft, ctx.maxDepth) };
}
