import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { StartupError, SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { DataSource } from 'typeorm';
import { createDataSource, poolOf } from './data-source';

/** Injection token of the pg pool that runs the hand-written SQL. */
export const PG_POOL = Symbol('PG_POOL');

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Module({})
export class PersistenceModule {
  static forRoot(options: { service: string; poolSize?: number }): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [
        {
          provide: DataSource,
          inject: [SWITCHYARD_CONFIG],
          useFactory: (config: SwitchyardConfig) =>
            createDataSource({
              url: config.databaseUrl,
              applicationName: `switchyard-${options.service}`,
              poolSize: config.databasePoolSize ?? options.poolSize,
            })
              .initialize()
              .catch((err: unknown) => {
                throw new StartupError('postgres', config.databaseUrl, err);
              }),
        },
        { provide: PG_POOL, inject: [DataSource], useFactory: (ds: DataSource) => poolOf(ds) },
        DataSourceCloser,
      ],
      exports: [DataSource, PG_POOL],
    };
  }
}
