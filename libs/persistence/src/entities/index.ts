import { AgentEntity } from './agent.entity';
import { ApiKeyEntity } from './api-key.entity';
import { ClientEntity } from './client.entity';
import { CommandEventEntity } from './command-event.entity';
import { CommandEntity } from './command.entity';
import { DeadLetterEntity } from './dead-letter.entity';
import { DebateArgumentEntity } from './debate-argument.entity';
import { DebateRoundEntity } from './debate-round.entity';
import { DebateVerdictEntity } from './debate-verdict.entity';
import { ScheduleEntity } from './schedule.entity';
import { TopicAllocationEntity } from './topic-allocation.entity';
import { TopicEventEntity } from './topic-event.entity';
import { TopicSignupEntity } from './topic-signup.entity';
import { TopicEntity } from './topic.entity';
import { TriggerEntity } from './trigger.entity';

export {
  AgentEntity,
  ApiKeyEntity,
  ClientEntity,
  CommandEntity,
  CommandEventEntity,
  DeadLetterEntity,
  DebateArgumentEntity,
  DebateRoundEntity,
  DebateVerdictEntity,
  ScheduleEntity,
  TopicAllocationEntity,
  TopicEntity,
  TopicEventEntity,
  TopicSignupEntity,
  TriggerEntity,
};
export * from './agent.entity';
export * from './api-key.entity';

/** Listed as classes, not globs, so every build layout finds them. */
export const ENTITIES = [
  AgentEntity,
  ApiKeyEntity,
  ClientEntity,
  CommandEntity,
  CommandEventEntity,
  DeadLetterEntity,
  ScheduleEntity,
  TopicEntity,
  TopicEventEntity,
  TopicSignupEntity,
  TopicAllocationEntity,
  DebateRoundEntity,
  DebateArgumentEntity,
  DebateVerdictEntity,
  TriggerEntity,
];
