import { serve } from '@switchyard/observability';
import { OrchestratorModule } from './orchestrator.module';

void serve({
  service: 'orchestrator',
  module: (config) => OrchestratorModule.forRoot(config),
  port: (config) => config.httpPort ?? 3002,
});
