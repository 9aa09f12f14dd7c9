import { Inject, Injectable, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CommandPublisher, JetStreamService } from '@switchyard/messaging';
import { countAgentsByPool, PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { commandMetricsListener } from './command-metrics';
import { scrapeSources } from './metric-catalog';
import { MetricsController } from './metrics';

/**
 * Wires this process's sources into the catalog: the command publisher's
 * announcements (command counters and latencies), the NATS reconnect count,
 * and the agents table for the fleet gauges (queried on scrape).
 */
@Injectable()
class MetricSources implements OnModuleInit, OnModuleDestroy {
  private stopListening?: () => void;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
  ) {}

  onModuleInit(): void {
    this.stopListening = this.publisher.listen(commandMetricsListener);
    scrapeSources.natsReconnects = () => this.jetstream.reconnectCount;
    scrapeSources.fleet = () => countAgentsByPool(this.pool);
  }

  onModuleDestroy(): void {
    this.stopListening?.();
    delete scrapeSources.natsReconnects;
    delete scrapeSources.fleet;
  }
}

/** `GET /metrics` (Prometheus text format) and the sources behind it; every service imports it. */
@Module({ controllers: [MetricsController], providers: [MetricSources] })
export class MetricsModule {}
