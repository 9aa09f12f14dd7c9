import { isUtf8 } from 'node:buffer';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { SwitchyardConfig } from '@switchyard/config';
import { httpRequestMetrics } from '@switchyard/observability';

/** HTTP settings of the gateway, shared by main.ts and the tests that boot it in-process. */
export function setUpGateway(app: INestApplication, config: SwitchyardConfig): void {
  const express = app as NestExpressApplication;
  // Room above the payload limit for the envelope, so the payload check answers with field details.
  // Nest's option type leaves out `verify` (its rawBody mode uses it); this app does not use rawBody.
  const json = {
    limit: config.limits.maxPayloadBytes + 64 * 1024,
    // The parser would decode invalid UTF-8 to U+FFFD and store altered text; refuse it instead.
    verify: (_req: unknown, _res: unknown, body: Buffer) => {
      if (!isUtf8(body)) {
        throw Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });
      }
    },
  };
  express.useBodyParser('json', json);
  express.disable('x-powered-by');
  express.use(httpRequestMetrics());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Switchyard')
      .setDescription('Durable command bus for fleets of agents')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
