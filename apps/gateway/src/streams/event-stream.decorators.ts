import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader, ApiProduces, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { Request } from 'express';

/** What a reconnecting client says it last received: the Last-Event-ID header and the lastEventId query. */
export interface LastEventId {
  header: unknown;
  query: unknown;
}

/** The resume point a client sent, both forms, for resumePoint() to judge. */
export const LastEventIdParam = createParamDecorator((_: unknown, context: ExecutionContext): LastEventId => {
  const request = context.switchToHttp().getRequest<Request>();
  return { header: request.headers['last-event-id'], query: request.query.lastEventId };
});

/** The OpenAPI description every server-sent event stream shares. */
export const ApiEventStream = () =>
  applyDecorators(
    ApiProduces('text/event-stream'),
    ApiHeader({
      name: 'Last-Event-ID',
      required: false,
      description: 'resume after this event id (wins over lastEventId)',
    }),
    ApiQuery({ name: 'lastEventId', required: false, description: 'resume after this event id' }),
    ApiResponse({ status: 200, description: 'text/event-stream' }),
  );
