import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit, ServiceName, StartupError, type SwitchyardConfig } from '@switchyard/config';
import { createRootLogger, NestPinoLogger } from './logger';
import { collectProcessMetrics } from './metrics';

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
 * SIGTERM/SIGINT run Nest's shutdown hooks: workers stop taking work, finish
 * the batch in hand, then connections close.
 */
export async function serve(options: ServeOptions): Promise<INestApplication> {
  const config = loadConfigOrExit(options.service);
  const root = createRootLogger(options.service, config.logLevel);
  collectProcessMetrics(options.service);
  let app: INestApplication;
  try {
    app = await NestFactory.create(options.module(config), { logger: new NestPinoLogger(root), abortOnError: false });
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`switchyard ${options.service}: ${err.message}\n`);
      process.exit(69);
    }
    throw err;
  }
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  options.configure?.(app, config);
  const port = options.port(config);
  await app.listen(port, '0.0.0.0');
  const address = (app.getHttpServer() as Server).address() as AddressInfo | null;
  root.info({ port: address?.port, namespace: config.namespace }, `${options.service} ready`);
  return app;
}
