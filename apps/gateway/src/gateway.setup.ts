import { isUtf8 } from 'node:buffer';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { SwitchyardConfig } from '@switchyard/config';
import { jsonTextProblem } from '@switchyard/domain';
import type { NextFunction, Request, Response } from 'express';
import { answerClientErrorsWithProblems } from './problem/client-error';

/** An error the problem filter maps by its `type`, as it maps body-parser's own. */
function requestError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, type });
}

/**
 * A body the JSON parser would skip (another media type, or none named) is
 * refused rather than ignored: a route whose body is optional would otherwise
 * run as if it had been sent nothing.
 */
function refuseNonJsonBodies(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length']) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    next(requestError(415, 'content-type.unsupported', 'request bodies must be application/json'));
    return;
  }
  next();
}
import { httpRequestMetrics } from '@switchyard/observability';

/** HTTP settings of the gateway, shared by main.ts and the tests that boot it in-process. */
export function setUpGateway(app: INestApplication, config: SwitchyardConfig): void {
  const express = app as NestExpressApplication;
  // Room above the payload limit for the envelope, so the payload check answers with field details.
  // Nest's option type leaves out `verify` (its rawBody mode uses it); this app does not use rawBody.
  const json = {
    limit: config.limits.maxPayloadBytes + 64 * 1024,
    // What the parser would accept but the rest cannot hold: invalid UTF-8 (decoded to U+FFFD, so
    // stored altered), escaped lone surrogates (no UTF-8 text or jsonb can hold them) and nesting
    // deep enough to exhaust a recursive walk further in.
    verify: (_req: unknown, _res: unknown, body: Buffer) => {
      if (!isUtf8(body)) throw requestError(400, 'encoding.invalid', 'request body is not valid UTF-8');
      const problem = jsonTextProblem(body);
      if (problem?.kind === 'too-deep') throw requestError(400, 'json.too-deep', 'request body nests too deep');
      if (problem?.kind === 'lone-surrogate') {
        throw requestError(400, 'json.lone-surrogate', 'request body escapes a lone surrogate');
      }
    },
  };
  express.use(refuseNonJsonBodies);
  express.useBodyParser('json', json);
  express.disable('x-powered-by');
  answerClientErrorsWithProblems(app.getHttpServer() as Server);
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
