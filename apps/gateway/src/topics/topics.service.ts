import { Inject, Injectable } from '@nestjs/common';
import { callerOf, Principal } from '@switchyard/auth';
import {
  argumentBodyGate,
  argumentGate,
  canRead,
  Gate,
  MAX_ARGUMENT_BYTES,
  nextDueAt,
  Reader,
  signupGate,
  TopicFacts,
  verdictGate,
} from '@switchyard/domain';
import {
  advanceTopic,
  campOf,
  findTopic,
  findVerdict,
  inTransaction,
  insertArgument,
  insertTopic,
  insertVerdict,
  isSignedUp,
  latestOpenRound,
  listAllocations,
  listArguments,
  listTopics,
  lockTopic,
  PG_POOL,
  TopicRow,
  TopicScope,
  upsertSignup,
} from '@switchyard/persistence';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { encodeCursor } from '../commands/commands.schemas';
import { ProblemException } from '../problem/problem';
import { argumentView, signupView, topicView, verdictView } from './topic.view';
import type { ArgumentBody, CreateTopic, PageQuery, SignupBody, VerdictBody } from './topics.schemas';
import { schemaMismatches } from './verdict-schema';

type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;

/**
 * The HTTP side of the debate workflow. Every write loads the topic under a
 * lock, asks the pure gate (libs/domain debate.rules), and writes in the
 * same transaction, so the state it was judged on cannot change before the
 * commit. The ticker moves topics through their timed steps.
 */
@Injectable()
export class TopicsService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async create(principal: Principal, body: CreateTopic) {
    const now = new Date();
    if (body.signupCloseAt.getTime() <= now.getTime()) {
      throw new ProblemException(400, 'validation', 'invalid request body', {
        errors: [{ field: 'signupCloseAt', message: 'must be in the future' }],
      });
    }
    const row = await insertTopic(
      this.pool,
      {
        id: uuidv7(),
        title: body.title,
        summary: body.summary,
        visibility: body.visibility,
        signupOpenAt: body.signupOpenAt,
        signupCloseAt: body.signupCloseAt,
        debateStartAt: body.debateStartAt,
        debateEndAt: body.debateEndAt,
        verdictSchema: body.verdictSchema,
        createdBy: callerOf(principal),
      },
      now,
    );
    return topicView(row);
  }

  async list(principal: Principal | undefined, query: PageQuery) {
    const rows = await listTopics(this.pool, scopeOf(principal), { after: query.cursor, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => topicView(row)),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async get(principal: Principal | undefined, id: string) {
    const topic = await this.readable(principal, id);
    return topicView(topic, await listAllocations(this.pool, id));
  }

  /** 201 for a first sign-up, 200 when it replaces the agent's camps. */
  async signUp(principal: AgentPrincipal, id: string, body: SignupBody) {
    return inTransaction(this.pool, async (tx) => {
      const topic = await lockTopic(tx, id, 'share');
      if (!topic) throw notFound(id);
      refuseUnless(signupGate(factsOf(topic), new Date()));
      const { row, inserted } = await upsertSignup(
        tx,
        { topicId: id, agentId: principal.agentId, camps: body.camps },
        new Date(),
      );
      return { created: inserted, body: signupView(row) };
    });
  }

  async argue(principal: AgentPrincipal, id: string, body: ArgumentBody) {
    const content = argumentBodyGate(body.body);
    if (!content.ok) {
      const tooLarge = Buffer.byteLength(body.body, 'utf8') > MAX_ARGUMENT_BYTES;
      throw new ProblemException(tooLarge ? 413 : 400, tooLarge ? 'payload-too-large' : 'validation', content.reason, {
        errors: [{ field: 'body', message: content.reason }],
      });
    }
    return inTransaction(this.pool, async (tx) => {
      const topic = await lockTopic(tx, id, 'share');
      if (!topic) throw notFound(id);
      const now = new Date();
      const camp = await campOf(tx, id, principal.agentId);
      const round = await latestOpenRound(tx, id, now);
      refuseUnless(argumentGate(factsOf(topic), camp, round?.number, now));
      const row = await insertArgument(
        tx,
        { id: uuidv7(), topicId: id, round: round!.number, agentId: principal.agentId, camp: camp!, body: body.body },
        now,
      );
      return argumentView(row);
    });
  }

  async transcript(principal: Principal | undefined, id: string, query: PageQuery) {
    await this.readable(principal, id);
    const rows = await listArguments(this.pool, id, { after: query.cursor, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(argumentView),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /**
   * The judge's verdict completes the topic: the verdict row and the
   * `debating → completed` compare-and-set commit together, under the
   * topic's exclusive lock, so two verdicts can never both be taken.
   */
  async judge(principal: AgentPrincipal, id: string, body: VerdictBody) {
    return inTransaction(this.pool, async (tx) => {
      const topic = await lockTopic(tx, id, 'update');
      if (!topic) throw notFound(id);
      const now = new Date();
      refuseUnless(verdictGate(factsOf(topic), await campOf(tx, id, principal.agentId), now));
      if (topic.verdict_schema !== null) {
        const errors = schemaMismatches(topic.verdict_schema, body.verdict);
        if (errors.length) {
          throw new ProblemException(422, 'verdict-schema-mismatch', "the verdict does not match the topic's schema", {
            errors,
          });
        }
      }
      const verdict = await insertVerdict(
        tx,
        { topicId: id, judgeAgentId: principal.agentId, verdict: body.verdict, rationale: body.rationale },
        now,
      );
      if (!verdict) throw conflict('the topic already has a verdict');
      const completed = await advanceTopic(
        tx,
        { id, from: 'debating', to: 'completed', event: 'verdict', nextDueAt: nextDueAt('completed', timesOf(topic)) },
        now,
      );
      if (!completed) throw conflict('the topic already has a verdict');
      return verdictView(verdict);
    });
  }

  async verdict(principal: Principal | undefined, id: string) {
    await this.readable(principal, id);
    const row = await findVerdict(this.pool, id);
    if (!row) throw new ProblemException(404, 'verdict-not-found', `topic ${id} has no verdict yet`);
    return verdictView(row);
  }

  /** The topic if `principal` may read it: 404 when there is none, 401 anonymous or 403 otherwise on a private one. */
  private async readable(principal: Principal | undefined, id: string): Promise<TopicRow> {
    const topic = await findTopic(this.pool, id);
    if (!topic) throw notFound(id);
    const topicAccess = { visibility: topic.visibility, createdBy: topic.created_by };
    if (canRead(topicAccess, await this.readerOf(principal, id))) return topic;
    if (!principal) {
      throw new ProblemException(401, 'private-topic', 'this topic is private: present a participant key');
    }
    throw new ProblemException(403, 'private-topic', 'this topic is private to its participants');
  }

  private async readerOf(principal: Principal | undefined, topicId: string): Promise<Reader> {
    if (!principal) return { kind: 'anonymous' };
    switch (principal.kind) {
      case 'admin':
        return { kind: 'admin' };
      case 'client':
        return { kind: 'client', caller: callerOf(principal) };
      case 'agent':
        return { kind: 'agent', signedUp: await isSignedUp(this.pool, topicId, principal.agentId) };
    }
  }
}

function scopeOf(principal: Principal | undefined): TopicScope {
  if (!principal) return { all: false };
  switch (principal.kind) {
    case 'admin':
      return { all: true };
    case 'client':
      return { all: false, createdBy: callerOf(principal) };
    case 'agent':
      return { all: false, agentId: principal.agentId };
  }
}

function factsOf(topic: TopicRow): TopicFacts {
  return { state: topic.state, signupCloseAt: topic.signup_close_at, debateEndAt: topic.debate_end_at };
}

function timesOf(topic: TopicRow) {
  return {
    signupOpenAt: topic.signup_open_at,
    signupCloseAt: topic.signup_close_at,
    debateStartAt: topic.debate_start_at,
    debateEndAt: topic.debate_end_at,
  };
}

const STATUS = { forbidden: 403, conflict: 409, invalid: 400 } as const;
const SLUG = { forbidden: 'not-allowed', conflict: 'topic-state', invalid: 'validation' } as const;

function refuseUnless(gate: Gate): void {
  if (!gate.ok) throw new ProblemException(STATUS[gate.kind], SLUG[gate.kind], gate.reason);
}

function notFound(id: string): ProblemException {
  return new ProblemException(404, 'topic-not-found', `no topic ${id}`);
}

function conflict(detail: string): ProblemException {
  return new ProblemException(409, 'topic-state', detail);
}
