import { CommandDefaults, draftCommand, DraftResult } from '../command/command-draft';
import { Camp } from './debate-state';

/** The command type that tells an agent its camp. */
export const DEBATE_ASSIGNED = 'debate.assigned';

/** The payload of a `debate.assigned` command. */
export interface DebateAssignment {
  topicId: string;
  camp: Camp;
  title: string;
  debateStartAt: string;
  debateEndAt: string;
}

/**
 * The ledger caller of a topic's commands. With the agent id as idempotency
 * key (`assignmentKey`), the unique (caller, idempotency key) index of
 * `commands` holds each topic + agent to one `debate.assigned` command,
 * however many times or replicas try to insert it.
 */
export function topicCaller(topicId: string): string {
  return `topic:${topicId}`;
}

export function assignmentKey(agentId: string): string {
  return `debate.assigned:${agentId}`;
}

/**
 * The async command telling `agentId` its camp, addressed to that agent. Its
 * deadline is the later of the debate's end and the default deadline, so an
 * agent that is offline for a while still learns its camp while it matters.
 */
export function draftAssignment(
  assignment: DebateAssignment,
  ctx: { agentId: string; id: string; defaults: CommandDefaults; now: Date },
): DraftResult {
  const end = Date.parse(assignment.debateEndAt);
  const floor = ctx.now.getTime() + ctx.defaults.deadlineMs;
  return draftCommand(
    {
      type: DEBATE_ASSIGNED,
      payload: assignment,
      idempotencyKey: assignmentKey(ctx.agentId),
      mode: 'async',
      deadline: new Date(Math.max(end, floor)),
    },
    {
      id: ctx.id,
      target: { kind: 'agent', name: ctx.agentId },
      caller: topicCaller(assignment.topicId),
      defaults: ctx.defaults,
      now: ctx.now,
    },
  );
}
