import path from 'node:path';
import { serve } from '@switchyard/observability';
import { serveDashboard } from './dashboard/dashboard.static';
import { GatewayModule } from './gateway.module';
import { setUpGateway } from './gateway.setup';

// Built layout (docs/decisions/003): this file runs from dist/apps/gateway/apps/gateway/src/,
// the dashboard is built to dist/dashboard/.
const DASHBOARD_DIR = path.resolve(__dirname, '../../../../../dashboard');

void serve({
  service: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  port: (config) => config.gatewayPort,
  configure: (app, config) => {
    setUpGateway(app, config);
    serveDashboard(app, DASHBOARD_DIR);
  },
});
