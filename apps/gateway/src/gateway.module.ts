import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApiKeyService } from '@switchyard/auth';
import { ConfigModule, SwitchyardConfig } from '@switchyard/config';
import { MessagingModule } from '@switchyard/messaging';
import { HealthModule, MetricsModule } from '@switchyard/observability';
import { PersistenceModule } from '@switchyard/persistence';
import { AdminController } from './admin/admin.controller';
import { AgentApiController } from './agent-api/agent-api.controller';
import { AgentApiService } from './agent-api/agent-api.service';
import { AdminService } from './admin/admin.service';
import { CommandIntake } from './commands/command-intake.service';
import { AgentsController } from './agents/agents.controller';
import { AgentsService } from './agents/agents.service';
import { CommandsController } from './commands/commands.controller';
import { CommandsService } from './commands/commands.service';
import { LineageService } from './commands/lineage.service';
import { ProblemFilter } from './problem/problem.filter';
import { SchedulesController } from './schedules/schedules.controller';
import { SchedulesService } from './schedules/schedules.service';
import { CallResponder } from './sync/call.responder';
import { SyncService } from './sync/sync.service';
import { CommandEventsController } from './streams/command-events.controller';
import { CommandEventsService } from './streams/command-events.service';
import { EventStreamService } from './streams/event-stream.service';
import { TopicsController } from './topics/topics.controller';
import { TopicsService } from './topics/topics.service';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersService } from './dead-letters/dead-letters.service';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { TriggersController } from './triggers/triggers.controller';
import { TriggersService } from './triggers/triggers.service';

@Module({})
export class GatewayModule {
  static forRoot(config: SwitchyardConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot({ service: 'gateway', poolSize: 20 }),
        MessagingModule.forRoot({
          service: 'gateway',
          streams: ['commands', 'commandEvents', 'reports', 'agentStatus', 'events'],
        }),
        HealthModule,
        MetricsModule,
      ],
      controllers: [
        AdminController,
        AgentApiController,
        AgentsController,
        CommandsController,
        CommandEventsController,
        SchedulesController,
        TopicsController,
        EventsController,
        TriggersController,
        DeadLettersController,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        ApiKeyService,
        AdminService,
        AgentApiService,
        CommandIntake,
        CommandsService,
        LineageService,
        SyncService,
        CallResponder,
        SchedulesService,
        AgentsService,
        CommandEventsService,
        EventStreamService,
        TopicsService,
        EventsService,
        TriggersService,
        DeadLettersService,
      ],
    };
  }
}
