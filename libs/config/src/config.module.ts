import { DynamicModule, Module } from '@nestjs/common';
import { SwitchyardConfig } from './config';

/** Injection token of the typed configuration. */
export const SWITCHYARD_CONFIG = Symbol('SWITCHYARD_CONFIG');

@Module({})
export class ConfigModule {
  /** Makes the already-validated config injectable everywhere. */
  static forRoot(config: SwitchyardConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: SWITCHYARD_CONFIG, useValue: config }],
      exports: [SWITCHYARD_CONFIG],
    };
  }
}
