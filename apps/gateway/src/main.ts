import { serve } from '@switchyard/observability';
import { GatewayModule } from './gateway.module';
import { setUpGateway } from './gateway.setup';

void serve({
  service: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  port: (config) => config.gatewayPort,
  configure: setUpGateway,
});
