import type { AllocationRow, ArgumentRow, SignupRow, TopicRow, VerdictRow } from '@switchyard/persistence';

/** A topic as the HTTP API shows it; `camps` once allocated (from signup_closed on). */
export function topicView(row: TopicRow, allocations?: readonly AllocationRow[]) {
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    visibility: row.visibility,
    state: row.state,
    signupOpenAt: row.signup_open_at.toISOString(),
    signupCloseAt: row.signup_close_at.toISOString(),
    debateStartAt: row.debate_start_at.toISOString(),
    debateEndAt: row.debate_end_at.toISOString(),
    verdictSchema: row.verdict_schema ?? null,
    cancelReason: row.cancel_reason,
    ...(allocations && allocations.length
      ? { camps: Object.fromEntries(allocations.map((a) => [a.camp, a.agent_id])) }
      : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function signupView(row: SignupRow) {
  return {
    topicId: row.topic_id,
    agentId: row.agent_id,
    camps: row.camps,
    signedUpAt: row.signed_up_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function argumentView(row: ArgumentRow) {
  return {
    id: row.id,
    topicId: row.topic_id,
    round: row.round,
    agentId: row.agent_id,
    camp: row.camp,
    body: row.body,
    createdAt: row.created_at.toISOString(),
  };
}

export function verdictView(row: VerdictRow) {
  return {
    topicId: row.topic_id,
    judge: row.judge_agent_id,
    verdict: row.verdict,
    rationale: row.rationale,
    createdAt: row.created_at.toISOString(),
  };
}
