import { Logger } from '@nestjs/common';
import {
  allocate,
  CAMPS,
  CommandDefaults,
  DebateAssignment,
  draftAssignment,
  dueStep,
  nextDueAt,
  RandomSource,
  TopicEvent,
  TopicState,
  TopicTimes,
  transitionTopic,
} from '@switchyard/domain';
import {
  advanceTopic,
  claimDueTopics,
  findByIdempotencyKeys,
  insertAllocations,
  insertCommands,
  listSignups,
  openRound,
  resetNextDueAt,
  TopicAdvance,
  TopicRow,
} from '@switchyard/persistence';
import type { PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { DueJob, Effect } from '../runner/due-job';

/**
 * The debate lifecycle's timed steps, one job: each due topic takes the one
 * step its state waits for (libs/domain `dueStep`), in the runner's
 * transaction, as a compare-and-set on the state the claim saw.
 *
 * - open-signup: `created → signup_open`; the announcement goes out after commit.
 * - close-signup: the allocator picks the camps from the sign-ups. Allocated:
 *   `signup_open → signup_closed`, the allocations, and one `debate.assigned`
 *   command per agent (caller `topic:<id>`, idempotency key per agent, so it
 *   exists once), offered after commit. Too few agents: `→ cancelled` with
 *   the allocator's reason.
 * - start-debate: `signup_closed → debating` and round 0 opens, closing at
 *   debateEndAt.
 *
 * A topic late by more than one step (the ticker was down) takes one step
 * per pass; `next_due_at` is already past for the next one, so the next pass
 * takes it.
 */
const logger = new Logger('DebateJob');

export function debateJob(options: { defaults: CommandDefaults; random?: RandomSource }): DueJob<TopicRow> {
  const random = options.random ?? Math.random;
  return {
    name: 'debate',
    claim: claimDueTopics,
    idOf: (topic) => topic.id,
    async apply(tx, topic, now) {
      const step = dueStep({ state: topic.state, ...timesOf(topic) }, now);
      if (!step) {
        // next_due_at drifted from the table (written by hand, say): put it back instead of claiming the row forever.
        logger.warn({ topicId: topic.id, state: topic.state, nextDueAt: topic.next_due_at }, 'topic had nothing due');
        await resetNextDueAt(tx, topic.id, topic.state, nextDueAt(topic.state, timesOf(topic)));
        return [];
      }
      switch (step.event) {
        case 'open-signup': {
          const opened = await advance(tx, topic, 'open-signup', now);
          return [{ kind: 'debate-announced', topic: opened, at: now }];
        }
        case 'close-signup':
          return closeSignup(tx, topic, now, options.defaults, random);
        case 'start-debate': {
          const started = await advance(tx, topic, 'start-debate', now);
          await openRound(tx, { topicId: started.id, number: 0, closesAt: started.debate_end_at }, now);
          return [];
        }
      }
    },
  };
}

async function closeSignup(
  tx: PoolClient,
  topic: TopicRow,
  now: Date,
  defaults: CommandDefaults,
  random: RandomSource,
): Promise<Effect[]> {
  const signups = await listSignups(tx, topic.id);
  const allocation = allocate(
    signups.map((s) => ({ agentId: s.agent_id, camps: s.camps })),
    random,
  );
  if (!allocation.ok) {
    await advance(tx, topic, 'cancel', now, {
      cancelReason: allocation.reason,
      data: { missing: allocation.missing, signups: signups.length },
    });
    return [];
  }
  const closed = await advance(tx, topic, 'close-signup', now, { data: { camps: allocation.camps } });
  const drafts = CAMPS.map((camp) => {
    const agentId = allocation.camps[camp];
    const assignment: DebateAssignment = {
      topicId: closed.id,
      camp,
      title: closed.title,
      debateStartAt: closed.debate_start_at.toISOString(),
      debateEndAt: closed.debate_end_at.toISOString(),
    };
    const drafted = draftAssignment(assignment, { agentId, id: uuidv7(), defaults, now });
    if (!drafted.ok) throw new Error(`debate.assigned refused: ${drafted.field} ${drafted.message}`);
    return { camp, agentId, draft: drafted.draft };
  });
  const inserted = await insertCommands(
    tx,
    drafts.map((d) => d.draft),
    now,
  );
  // Under the topic's lock nothing else inserts these; an existing one (a
  // command left by hand, say) is reused rather than duplicated.
  const existing =
    inserted.length === drafts.length
      ? []
      : await findByIdempotencyKeys(
          tx,
          drafts.map((d) => ({ caller: d.draft.caller, idempotencyKey: d.draft.idempotencyKey! })),
        );
  const commandFor = (key: string | null) =>
    [...inserted, ...existing].find((row) => row.idempotency_key === key)?.id ??
    failure(`no debate.assigned command for key ${key}`);
  await insertAllocations(
    tx,
    closed.id,
    drafts.map((d) => ({
      camp: d.camp,
      agentId: d.agentId,
      backfilled: allocation.backfilled.includes(d.camp),
      commandId: commandFor(d.draft.idempotencyKey),
    })),
    now,
  );
  return inserted.flatMap((row): Effect[] => [
    { kind: 'offer', row },
    { kind: 'lifecycle', row, event: 'submit', from: null },
  ]);
}

/** One edge of the pure table as a compare-and-set; the claim holds the row, so a miss is a bug. */
async function advance(
  tx: PoolClient,
  topic: TopicRow,
  event: TopicEvent,
  now: Date,
  extra: Pick<TopicAdvance, 'cancelReason' | 'data'> = {},
): Promise<TopicRow> {
  const outcome = transitionTopic(topic.state, event);
  if (outcome.kind !== 'apply') throw new Error(`${event} on a ${topic.state} topic: ${outcome.reason}`);
  const to: TopicState = outcome.to;
  const moved = await advanceTopic(
    tx,
    { id: topic.id, from: topic.state, to, event, nextDueAt: nextDueAt(to, timesOf(topic)), ...extra },
    now,
  );
  return moved ?? failure(`compare-and-set missed a locked ${topic.state} topic`);
}

function timesOf(topic: TopicRow): TopicTimes {
  return {
    signupOpenAt: topic.signup_open_at,
    signupCloseAt: topic.signup_close_at,
    debateStartAt: topic.debate_start_at,
    debateEndAt: topic.debate_end_at,
  };
}

function failure(message: string): never {
  throw new Error(message);
}
