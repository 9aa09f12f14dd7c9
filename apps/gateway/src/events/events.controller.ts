import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminOrApiKeyGuard, CurrentPrincipal } from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import { openApiSchema, ZodPipe } from '../problem/zod.pipe';
import { publishEventSchema } from './events.schemas';
import type { PublishEvent } from './events.schemas';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiBearerAuth()
@ApiHeader({ name: 'x-admin-key', required: false, description: 'instead of a bearer key' })
@ApiResponse({ status: 401, description: 'missing, wrong or revoked key' })
@UseGuards(AdminOrApiKeyGuard)
@Controller('v1/events')
export class EventsController {
  constructor(@Inject(EventsService) private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Publish a domain event on <ns>.events.<subject>; matching triggers create commands' })
  @ApiBody({ schema: openApiSchema(publishEventSchema) })
  @ApiResponse({ status: 202, description: '{ id, subject, sequence, duplicate }: stored in JetStream' })
  @ApiResponse({ status: 400, description: 'bad or reserved subject, unknown field, with field details' })
  @ApiResponse({ status: 413, description: 'data over the configured limit' })
  publish(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(publishEventSchema)) body: PublishEvent) {
    return this.events.publish(principal, body);
  }
}
