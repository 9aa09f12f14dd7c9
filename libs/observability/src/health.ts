import { Controller, Get, Inject, Module } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { JetStreamService } from '@switchyard/messaging';
import { PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';

/**
 * `/health/live`: the process answers. `/health/ready`: Postgres answers a
 * query and the NATS connection is up; a load balancer should only route to
 * ready instances.
 */
@ApiExcludeController()
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      async () => {
        const check = this.indicators.check('postgres');
        try {
          await this.pool.query('SELECT 1');
          return check.up();
        } catch (err) {
          return check.down({ message: (err as Error).message });
        }
      },
      () => {
        const check = this.indicators.check('nats');
        return this.jetstream.isConnected() ? check.up() : check.down({ message: 'not connected' });
      },
    ]);
  }
}

@Module({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [HealthController] })
export class HealthModule {}
