import { ARGUING_CAMPS, Camp, TopicState, TopicVisibility } from './debate-state';

/** Most bytes (UTF-8) an argument may have. */
export const MAX_ARGUMENT_BYTES = 32 * 1024;

/**
 * Why a debate request is refused, by kind: `forbidden` (who is asking may
 * never do this), `conflict` (not now: the topic is in the wrong state or
 * time), `invalid` (the content).
 */
export type DebateRefusal = { kind: 'forbidden' | 'conflict' | 'invalid'; reason: string };
export type Gate = { ok: true } | ({ ok: false } & DebateRefusal);

const OK: Gate = { ok: true };
const refuse = (kind: DebateRefusal['kind'], reason: string): Gate => ({ ok: false, kind, reason });

/** What the gates read about a topic. */
export interface TopicFacts {
  state: TopicState;
  signupCloseAt: Date;
  debateEndAt: Date;
}

/**
 * Sign-ups are taken while the topic is `signup_open` and signupCloseAt has
 * not passed (the ticker may not have closed it yet; the instant rules).
 */
export function signupGate(topic: TopicFacts, now: Date): Gate {
  if (topic.state !== 'signup_open') return refuse('conflict', `sign-up is not open: the topic is ${topic.state}`);
  if (now.getTime() >= topic.signupCloseAt.getTime()) return refuse('conflict', 'sign-up has closed');
  return OK;
}

/**
 * Arguments come from pro and con members (the judge does not argue), while
 * the topic is `debating` and before debateEndAt, into an open round.
 * `camp` is the caller's camp on this topic, if it has one.
 */
export function argumentGate(
  topic: TopicFacts,
  camp: Camp | undefined,
  openRound: number | undefined,
  now: Date,
): Gate {
  if (!camp || !ARGUING_CAMPS.includes(camp)) {
    return refuse('forbidden', camp ? `the ${camp} does not argue` : 'only pro and con members may argue');
  }
  if (topic.state !== 'debating') return refuse('conflict', `the debate is not running: the topic is ${topic.state}`);
  if (now.getTime() >= topic.debateEndAt.getTime()) return refuse('conflict', 'the debate has ended');
  if (openRound === undefined) return refuse('conflict', 'no round is open');
  return OK;
}

/** The content rule of an argument: non-empty (not only whitespace) and at most MAX_ARGUMENT_BYTES. */
export function argumentBodyGate(body: string): Gate {
  if (body.trim().length === 0) return refuse('invalid', 'must not be empty');
  if (Buffer.byteLength(body, 'utf8') > MAX_ARGUMENT_BYTES) {
    return refuse('invalid', `must be at most ${MAX_ARGUMENT_BYTES} bytes`);
  }
  return OK;
}

/**
 * The verdict comes from the judge, once, after debateEndAt, while the topic
 * is `debating` (a `completed` topic already has its verdict).
 */
export function verdictGate(topic: TopicFacts, camp: Camp | undefined, now: Date): Gate {
  if (camp !== 'judge') return refuse('forbidden', 'only the judge of this topic may give the verdict');
  if (topic.state === 'completed') return refuse('conflict', 'the topic already has a verdict');
  if (topic.state !== 'debating') return refuse('conflict', `the topic is ${topic.state}`);
  if (now.getTime() < topic.debateEndAt.getTime()) return refuse('conflict', 'the debate has not ended yet');
  return OK;
}

/** Who is reading a topic, its transcript or its verdict. */
export type Reader =
  { kind: 'anonymous' } | { kind: 'admin' } | { kind: 'client'; caller: string } | { kind: 'agent'; signedUp: boolean };

/**
 * Public topics are readable by anyone, without a key. Private ones by their
 * participants: an admin, the client that created the topic, and every
 * agent that signed up to it (the allocated camps among them).
 */
export function canRead(topic: { visibility: TopicVisibility; createdBy: string }, reader: Reader): boolean {
  if (topic.visibility === 'public') return true;
  switch (reader.kind) {
    case 'anonymous':
      return false;
    case 'admin':
      return true;
    case 'client':
      return reader.caller === topic.createdBy;
    case 'agent':
      return reader.signedUp;
  }
}
