import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApiKeyService } from '@switchyard/auth';
import { ConfigModule, SwitchyardConfig } from '@switchyard/config';
import { MessagingModule } from '@switchyard/messaging';
import { HealthModule, MetricsController } from '@switchyard/observability';
import { PersistenceModule } from '@switchyard/persistence';
import { AdminController } from './admin/admin.controller';
import { AgentApiController } from './agent-api/agent-api.controller';
import { AgentApiService } from './agent-api/agent-api.service';
import { AdminService } from './admin/admin.service';
import { CommandsController } from './commands/commands.controller';
import { CommandsService } from './commands/commands.service';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersService } from './dead-letters/dead-letters.service';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { ProblemFilter } from './problem/problem.filter';
import { SchedulesController } from './schedules/schedules.controller';
import { SchedulesService } from './schedules/schedules.service';
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
      ],
      controllers: [
        AdminController,
        AgentApiController,
        CommandsController,
        SchedulesController,
        EventsController,
        TriggersController,
        DeadLettersController,
        MetricsController,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        ApiKeyService,
        AdminService,
        AgentApiService,
        CommandsService,
        SchedulesService,
        EventsService,
        TriggersService,
        DeadLettersService,
      ],
    };
  }
}
