import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { serve } from '@switchyard/observability';
import { GatewayModule } from './gateway.module';

void serve({
  service: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  port: (config) => config.gatewayPort,
  configure: (app, config) => {
    const express = app as NestExpressApplication;
    // Room above the payload limit for the envelope, so the payload check answers with field details.
    express.useBodyParser('json', { limit: config.limits.maxPayloadBytes + 64 * 1024 });
    express.disable('x-powered-by');
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
  },
});
