import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, SwitchyardConfig } from '@switchyard/config';
import { MessagingModule } from '@switchyard/messaging';
import { HealthModule, MetricsModule } from '@switchyard/observability';
import { PersistenceModule } from '@switchyard/persistence';
import { DebateWebhook } from './debate-webhook';
import { EffectPublisher } from './effect-publisher';
import { TickerService } from './ticker.service';

@Module({})
export class OrchestratorModule {
  static forRoot(config: SwitchyardConfig): DynamicModule {
    return {
      module: OrchestratorModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot({ service: 'orchestrator', poolSize: 5 }),
        MessagingModule.forRoot({
          service: 'orchestrator',
          streams: ['commands', 'agentStatus', 'commandEvents', 'events'],
        }),
        HealthModule,
        MetricsModule,
      ],
      providers: [DebateWebhook.provider, EffectPublisher, TickerService],
    };
  }
}
