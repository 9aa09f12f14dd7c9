import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit, ServiceName, StartupError, type SwitchyardConfig } from '@switchyard/config';
import { createRootLogger, NestPinoLogger } from './logger';
import { collectProcessMetrics } from './metrics';

/** The longest a drain may take; under Kubernetes' default 30 s grace period, with room to spare. */
export const SHUTDOWN_BUDGET_MS = 25_000;

export interface ServeOptions {
  service: ServiceName;
  module: (config: SwitchyardConfig) => DynamicModule;
  /** HTTP port to listen on (health, metrics and, for the gateway, the API). */
  port: (config: SwitchyardConfig) => number;
  configure?: (app: INestApplication, config: SwitchyardConfig) => void;
}

/**
 * Boots a service: validated config (exit 78 on a bad variable), JSON logs,
 * the Nest application, and signal handling. An unreachable Postgres or NATS
 * is one clear line and exit 69 (EX_UNAVAILABLE), not a stack trace.
 *
 * SIGTERM/SIGINT drain, in this order (Nest's close sequence): new HTTP
 * requests get 503 with `Connection: close` (a balancer retries them
 * elsewhere); long waits (claims, sync calls, event streams) are cut short
 * and consumers and the ticker stop taking work, finishing what they hold;
 * in-flight requests finish; then Postgres and NATS close and the process
 * exits 0. A drain that overruns SHUTDOWN_BUDGET_MS exits 1 instead.
 */
export async function serve(options: ServeOptions): Promise<INestApplication> {
  const config = loadConfigOrExit(options.service);
  const root = createRootLogger(options.service, config.logLevel);
  collectProcessMetrics(options.service);
  let app: INestApplication;
  try {
    app = await NestFactory.create(options.module(config), {
      logger: new NestPinoLogger(root),
      abortOnError: false,
      return503OnClosing: true,
    });
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`switchyard ${options.service}: ${err.message}\n`);
      process.exit(69);
    }
    throw err;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      root.info({ signal, budgetMs: SHUTDOWN_BUDGET_MS }, `${options.service} draining`);
      setTimeout(() => {
        root.error({ budgetMs: SHUTDOWN_BUDGET_MS }, 'drain overran its budget; exiting');
        process.exit(1);
      }, SHUTDOWN_BUDGET_MS).unref();
    });
  }
  // process.exit(0) once drained, so the exit code says the drain was clean (and pino flushes on `exit`).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  options.configure?.(app, config);
  const port = options.port(config);
  await app.listen(port, '0.0.0.0');
  const address = (app.getHttpServer() as Server).address() as AddressInfo | null;
  root.info({ port: address?.port, namespace: config.namespace }, `${options.service} ready`);
  return app;
}
