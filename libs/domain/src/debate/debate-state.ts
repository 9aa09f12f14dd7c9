/** The states of a debate topic, in lifecycle order; `cancelled` ends a topic whose allocation failed. */
export const TOPIC_STATES = ['created', 'signup_open', 'signup_closed', 'debating', 'completed', 'cancelled'] as const;
export type TopicState = (typeof TOPIC_STATES)[number];

/** The camps of a debate. `pro` and `con` argue; the `judge` gives the verdict. */
export const CAMPS = ['pro', 'con', 'judge'] as const;
export type Camp = (typeof CAMPS)[number];

/** Camps whose members may post arguments. The judge does not argue: it weighs both sides. */
export const ARGUING_CAMPS: readonly Camp[] = ['pro', 'con'];

export const TOPIC_VISIBILITIES = ['public', 'private'] as const;
export type TopicVisibility = (typeof TOPIC_VISIBILITIES)[number];

/** The four instants that drive a topic, strictly increasing. */
export interface TopicTimes {
  signupOpenAt: Date;
  signupCloseAt: Date;
  debateStartAt: Date;
  debateEndAt: Date;
}

export const TOPIC_TIME_FIELDS = ['signupOpenAt', 'signupCloseAt', 'debateStartAt', 'debateEndAt'] as const;

/**
 * The time fields that break the order (each must be strictly after the one
 * before it), with a message naming the field it must follow; empty when the
 * times are in order.
 */
export function timeOrderProblems(times: TopicTimes): { field: keyof TopicTimes; message: string }[] {
  const problems: { field: keyof TopicTimes; message: string }[] = [];
  for (let i = 1; i < TOPIC_TIME_FIELDS.length; i += 1) {
    const before = TOPIC_TIME_FIELDS[i - 1];
    const field = TOPIC_TIME_FIELDS[i];
    if (!(times[field].getTime() > times[before].getTime())) {
      problems.push({ field, message: `must be after ${before}` });
    }
  }
  return problems;
}
