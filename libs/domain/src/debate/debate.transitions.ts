import { TopicState, TopicTimes } from './debate-state';

/**
 * The debate lifecycle, one table. Three edges are timed (the ticker applies
 * them when their instant passes), two are not:
 *
 *   created ──open-signup──▶ signup_open ──close-signup──▶ signup_closed ──start-debate──▶ debating ──verdict──▶ completed
 *                                 └────────cancel (allocation failed)──▶ cancelled
 *
 * `close-signup` and `cancel` are the two outcomes of one instant
 * (signupCloseAt): the ticker runs the allocator and applies whichever it
 * says. `verdict` comes from the judge over HTTP, after debateEndAt.
 */
export const TOPIC_EVENTS = ['open-signup', 'close-signup', 'cancel', 'start-debate', 'verdict'] as const;
export type TopicEvent = (typeof TOPIC_EVENTS)[number];

export interface TopicEdge {
  from: TopicState;
  event: TopicEvent;
  to: TopicState;
}

/** Every edge of the lifecycle; any (state, event) pair not here is refused. */
export const TOPIC_EDGES: readonly TopicEdge[] = [
  { from: 'created', event: 'open-signup', to: 'signup_open' },
  { from: 'signup_open', event: 'close-signup', to: 'signup_closed' },
  { from: 'signup_open', event: 'cancel', to: 'cancelled' },
  { from: 'signup_closed', event: 'start-debate', to: 'debating' },
  { from: 'debating', event: 'verdict', to: 'completed' },
];

export type TopicTransition = { kind: 'apply'; from: TopicState; to: TopicState } | { kind: 'refuse'; reason: string };

/** The state `event` moves a topic in `state` to, or why it may not. */
export function transitionTopic(state: TopicState, event: TopicEvent): TopicTransition {
  const edge = TOPIC_EDGES.find((e) => e.from === state && e.event === event);
  if (edge) return { kind: 'apply', from: state, to: edge.to };
  return { kind: 'refuse', reason: isFinal(state) ? `the topic is ${state}` : `${event} is not allowed in ${state}` };
}

export function isFinal(state: TopicState): boolean {
  return state === 'completed' || state === 'cancelled';
}

/** The timed step a state waits for: the event and the instant it is due. */
export type TimedStep = { event: 'open-signup' | 'close-signup' | 'start-debate'; at: keyof TopicTimes };

/** What each state waits for on the clock; `debating` waits for the judge, the final states for nothing. */
export function timedStep(state: TopicState): TimedStep | undefined {
  switch (state) {
    case 'created':
      return { event: 'open-signup', at: 'signupOpenAt' };
    case 'signup_open':
      return { event: 'close-signup', at: 'signupCloseAt' };
    case 'signup_closed':
      return { event: 'start-debate', at: 'debateStartAt' };
    case 'debating':
    case 'completed':
    case 'cancelled':
      return undefined;
  }
}

/**
 * When the ticker should next look at a topic in `state` (stored as the
 * topic's `next_due_at`, the column its claim scans); null when no timed step
 * remains.
 */
export function nextDueAt(state: TopicState, times: TopicTimes): Date | null {
  const step = timedStep(state);
  return step ? times[step.at] : null;
}

/** The timed step due at `now` for a topic, if any (due means its instant is at or before now). */
export function dueStep(topic: { state: TopicState } & TopicTimes, now: Date): TimedStep | undefined {
  const step = timedStep(topic.state);
  return step && topic[step.at].getTime() <= now.getTime() ? step : undefined;
}
