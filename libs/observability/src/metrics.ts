import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, register } from 'prom-client';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

let defaultsCollected = false;

/** Process metrics (RSS, event loop lag, GC) once per process, and the `service` label on every series. */
export function collectProcessMetrics(service: string): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  register.setDefaultLabels({ service });
  collectDefaultMetrics();
}

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }

  /**
   * The same registry as JSON (prom-client's own shape: name, type, help,
   * values with labels), for readers without a text-format parser: the
   * dashboard samples it to draw its charts.
   */
  @Get('json')
  metricsJson(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return register.getMetricsAsJSON();
  }
}
