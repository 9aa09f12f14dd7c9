import {
  BeforeApplicationShutdown,
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { StartupError, SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { CommandPublisher } from './command-publisher';
import { EventPublisher } from './event-publisher';
import { JetStreamService } from './jetstream.service';
import { StreamKey } from './streams';

export interface MessagingOptions {
  /** Service name, for the NATS connection name. */
  service: string;
  /** Streams this service publishes to or consumes from; created or updated at start. */
  streams: readonly StreamKey[];
}

@Injectable()
class JetStreamCloser implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(@Inject(JetStreamService) private readonly jetstream: JetStreamService) {}

  /** Stop taking work first, while Postgres is still open to finish the batch in hand. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.jetstream.stopWorkers();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.jetstream.close();
  }
}

@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        {
          provide: JetStreamService,
          inject: [SWITCHYARD_CONFIG],
          useFactory: async (config: SwitchyardConfig) => {
            const js = await JetStreamService.connect({
              servers: config.natsServers,
              namespace: config.namespace,
              name: `switchyard-${options.service}-${process.pid}`,
              streams: { replicas: config.natsStreamReplicas, commandEventsMaxAgeMs: config.commandEventsMaxAgeMs },
            }).catch((err: unknown) => {
              throw new StartupError('nats', config.natsServers.join(','), err);
            });
            await js.ensureStreams(options.streams);
            return js;
          },
        },
        {
          provide: CommandPublisher,
          inject: [JetStreamService],
          useFactory: (js: JetStreamService) => new CommandPublisher(js),
        },
        {
          provide: EventPublisher,
          inject: [JetStreamService],
          useFactory: (js: JetStreamService) => new EventPublisher(js),
        },
        JetStreamCloser,
      ],
      exports: [JetStreamService, CommandPublisher, EventPublisher],
    };
  }
}
