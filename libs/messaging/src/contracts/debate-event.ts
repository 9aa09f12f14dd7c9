import type { TopicVisibility } from '@switchyard/domain';

/**
 * Published on `<ns>.events.debate.announced` when a topic opens its sign-up,
 * and POSTed to DEBATE_WEBHOOK_URL when one is configured. Agents sign up
 * with `POST /v1/topics/{topicId}/signups` until `signupCloseAt`.
 */
export interface DebateAnnouncement {
  event: 'debate.announced';
  topicId: string;
  title: string;
  summary: string;
  visibility: TopicVisibility;
  signupOpenAt: string;
  signupCloseAt: string;
  debateStartAt: string;
  debateEndAt: string;
  /** When the sign-up opened (the transition's instant). */
  at: string;
}

/** The Nats-Msg-Id of a topic's announcement: one per topic. */
export function announcementMsgId(topicId: string): string {
  return `debate.announced:${topicId}`;
}
