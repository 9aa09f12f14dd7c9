import { AgentEntity } from './agent.entity';
import { ApiKeyEntity } from './api-key.entity';
import { ClientEntity } from './client.entity';
import { CommandEventEntity } from './command-event.entity';
import { CommandEntity } from './command.entity';
import { DeadLetterEntity } from './dead-letter.entity';
import { ScheduleEntity } from './schedule.entity';
import { TriggerEntity } from './trigger.entity';

export {
  AgentEntity,
  ApiKeyEntity,
  ClientEntity,
  CommandEntity,
  CommandEventEntity,
  DeadLetterEntity,
  ScheduleEntity,
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
  TriggerEntity,
];
