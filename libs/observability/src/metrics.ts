import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

let defaultsCollected = false;

/** Process metrics (RSS, event loop lag, GC) once per process. */
export function collectProcessMetrics(service: string): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  register.setDefaultLabels({ service });
  collectDefaultMetrics();
}

/** Gets or creates a counter: safe to call from several modules and in tests. */
export function counter(name: string, help: string, labelNames: readonly string[] = []): Counter<string> {
  return (
    (register.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames: [...labelNames] })
  );
}

export function histogram(
  name: string,
  help: string,
  labelNames: readonly string[] = [],
  buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
): Histogram<string> {
  return (
    (register.getSingleMetric(name) as Histogram<string>) ??
    new Histogram({ name, help, labelNames: [...labelNames], buckets })
  );
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

/**
 * Commands recorded `cancelled` (`max_depth_exceeded`), never run, for being
 * deeper than MAX_COMMAND_DEPTH: by triggers (dispatcher) and delegations
 * (gateway and dispatcher).
 */
export function depthExceededCounter(): Counter<string> {
  return counter(
    'switchyard_commands_depth_exceeded_total',
    'Commands recorded cancelled, never run, because they were deeper than MAX_COMMAND_DEPTH',
    ['source'],
  );
}
