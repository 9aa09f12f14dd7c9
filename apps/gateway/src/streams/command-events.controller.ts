import { Controller, Inject, Param, Sse, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentPrincipal } from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import { uuidParam } from '../admin/admin.schemas';
import { ZodPipe } from '../problem/zod.pipe';
import { CommandEventsService } from './command-events.service';
import { ApiEventStream, type LastEventId, LastEventIdParam } from './event-stream.decorators';

@ApiTags('commands')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'missing, wrong or revoked API key' })
@UseGuards(ApiKeyGuard)
@Controller('v1/commands')
export class CommandEventsController {
  constructor(@Inject(CommandEventsService) private readonly events: CommandEventsService) {}

  @Sse(':id/events')
  @ApiOperation({
    summary: "A command's lifecycle events as server-sent events: retained history (or after Last-Event-ID), then live",
    description:
      'Each event: `id` = stream sequence, `event` = lifecycle event name (submit, claim, accept, progress, succeed, ...), ' +
      '`data` = the lifecycle event JSON. A `: keep-alive` comment every SSE_KEEPALIVE_MS.',
  })
  @ApiEventStream()
  @ApiResponse({ status: 400, description: 'malformed id, or a Last-Event-ID that is not an event id of this stream' })
  @ApiResponse({ status: 404, description: 'no such command visible to this key' })
  stream(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @LastEventIdParam() lastEventId: LastEventId,
  ) {
    return this.events.open(principal, id, lastEventId);
  }
}
