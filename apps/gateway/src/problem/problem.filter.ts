import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { MAX_JSON_DEPTH } from '@switchyard/domain';
import type { Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, ProblemException, problemType, titleFor } from './problem';

/** Errors raised by body-parser before a route runs, by their `type`. */
const BODY_PARSER_ERRORS: Record<string, { status: number; slug: string; detail: string }> = {
  'entity.too.large': { status: 413, slug: 'payload-too-large', detail: 'request body exceeds the size limit' },
  'entity.parse.failed': { status: 400, slug: 'malformed-json', detail: 'request body is not valid JSON' },
  'encoding.invalid': { status: 400, slug: 'invalid-utf8', detail: 'request body is not valid UTF-8' },
  'json.too-deep': {
    status: 400,
    slug: 'json-too-deep',
    detail: `request body nests deeper than ${MAX_JSON_DEPTH} levels`,
  },
  'json.lone-surrogate': {
    status: 400,
    slug: 'invalid-unicode',
    detail: 'request body escapes a lone surrogate (\\uD800-\\uDFFF without its pair)',
  },
  'content-type.unsupported': {
    status: 415,
    slug: 'unsupported-media-type',
    detail: 'request bodies must be application/json',
  },
  'encoding.unsupported': { status: 415, slug: 'unsupported-encoding', detail: 'unsupported content encoding' },
  'charset.unsupported': { status: 415, slug: 'unsupported-charset', detail: 'unsupported charset' },
  'request.aborted': { status: 400, slug: 'request-aborted', detail: 'request aborted' },
};

/**
 * The one place errors become responses: every error leaves as
 * `application/problem+json`. Unexpected errors are logged with their stack
 * and answered 500 without internals.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    if (response.headersSent) return;
    const problem = this.toProblem(exception);
    problem.instance = request.originalUrl?.split('?')[0];
    // Outcomes of sync commands (504, 503…) are answers, not faults of the gateway.
    const expected = exception instanceof ProblemException;
    if (problem.status >= 500 && !expected)
      this.logger.error(exception instanceof Error ? exception : String(exception));
    if (exception instanceof ProblemException) response.set(exception.headers);
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown): ProblemDetails {
    // Nest wraps body-parser errors in its own exceptions; the parser's `type` survives on the cause.
    const parserError =
      BODY_PARSER_ERRORS[(exception as { type?: string })?.type ?? ''] ??
      BODY_PARSER_ERRORS[(exception as { cause?: { type?: string } })?.cause?.type ?? ''];
    if (parserError) {
      return {
        type: problemType(parserError.slug),
        title: titleFor(parserError.status),
        status: parserError.status,
        detail: parserError.detail,
      };
    }
    if (exception instanceof ProblemException) {
      const status = exception.getStatus();
      return {
        type: problemType(exception.slug),
        title: titleFor(status),
        status,
        detail: exception.message,
        ...exception.extensions,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'object' && body && 'message' in body ? body.message : exception.message;
      return {
        type: 'about:blank',
        title: titleFor(status),
        status,
        detail: Array.isArray(message) ? message.join('; ') : String(message),
      };
    }
    return { type: 'about:blank', title: titleFor(500), status: 500, detail: 'internal error' };
  }
}
