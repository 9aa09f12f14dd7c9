import { serve } from '@switchyard/observability';
import { DispatcherModule } from './dispatcher.module';

void serve({
  service: 'dispatcher',
  module: (config) => DispatcherModule.forRoot(config),
  port: (config) => config.httpPort ?? 3001,
});
