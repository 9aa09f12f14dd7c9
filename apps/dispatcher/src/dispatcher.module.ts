import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, SwitchyardConfig } from '@switchyard/config';
import { MessagingModule } from '@switchyard/messaging';
import { HealthModule, MetricsModule } from '@switchyard/observability';
import { PersistenceModule } from '@switchyard/persistence';
import { AgentSessionService } from './agent-session.service';
import { CommandConsumer } from './command.consumer';
import { DeliveryService } from './delivery.service';
import { DispatchService } from './dispatch.service';
import { EventConsumer } from './event.consumer';
import { ReportConsumer } from './report.consumer';
import { ReportService } from './report.service';
import { RoomSignal } from './room-signal';
import { TriggerService } from './trigger.service';

@Module({})
export class DispatcherModule {
  static forRoot(config: SwitchyardConfig): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot({ service: 'dispatcher', poolSize: 20 }),
        MessagingModule.forRoot({
          service: 'dispatcher',
          streams: ['commands', 'reports', 'agentStatus', 'commandEvents', 'events'],
        }),
        HealthModule,
        MetricsModule,
      ],
      providers: [
        DeliveryService,
        DispatchService,
        ReportService,
        RoomSignal,
        AgentSessionService,
        TriggerService,
        CommandConsumer,
        ReportConsumer,
        EventConsumer,
      ],
    };
  }
}
