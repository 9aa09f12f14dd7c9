import { Controller, Get, Inject, Param, Query, Sse, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminOrApiKeyGuard, CurrentPrincipal } from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import { AGENT_PHASES } from '@switchyard/domain';
import { ZodPipe } from '../problem/zod.pipe';
import { agentIdParam, listAgentsQuery } from './agents.schemas';
import type { ListAgentsQuery } from './agents.schemas';
import { AgentsService } from './agents.service';
import { ApiEventStream, type LastEventId, LastEventIdParam } from '../streams/event-stream.decorators';

const STATUS_EVENTS =
  'Each event: `id` = stream sequence, `event: status`, `data` = the status as the agent published it ' +
  '(phase, activity, detail, commandId, sessionId, at) plus `agentId`. A `: keep-alive` comment every SSE_KEEPALIVE_MS.';

/**
 * Declared before the `:id` routes: `/v1/agents/events` is the all-agents
 * stream, so an agent whose id is `events` is read through `GET /v1/agents?…`.
 */
@ApiTags('agents')
@ApiBearerAuth()
@ApiHeader({ name: 'x-admin-key', required: false, description: 'the admin key, instead of a bearer key' })
@ApiResponse({ status: 401, description: 'missing, wrong or revoked key' })
@UseGuards(AdminOrApiKeyGuard)
@Controller('v1/agents')
export class AgentsController {
  constructor(@Inject(AgentsService) private readonly agents: AgentsService) {}

  @Get()
  @ApiOperation({ summary: 'Agents with their current status, by id (an agent key sees only itself)' })
  @ApiQuery({ name: 'pool', required: false, description: 'only agents serving this pool' })
  @ApiQuery({ name: 'status', required: false, enum: AGENT_PHASES, description: 'only agents in this phase' })
  @ApiResponse({ status: 200, description: '{ items: [{ id, name, pools, concurrency, status, lastHeartbeatAt }] }' })
  @ApiResponse({ status: 400, description: 'validation error, with field details' })
  list(@CurrentPrincipal() principal: Principal, @Query(new ZodPipe(listAgentsQuery, 'query')) query: ListAgentsQuery) {
    return this.agents.list(principal, query);
  }

  @Sse('events')
  @ApiOperation({
    summary: "Every agent's status as server-sent events: the latest of each agent (or after Last-Event-ID), then live",
    description: `${STATUS_EVENTS} Admin and client keys only.`,
  })
  @ApiEventStream()
  @ApiResponse({ status: 400, description: 'a Last-Event-ID that is not an event id of this stream' })
  @ApiResponse({ status: 403, description: 'an agent key' })
  allEvents(@CurrentPrincipal() principal: Principal, @LastEventIdParam() lastEventId: LastEventId) {
    return this.agents.allEvents(principal, lastEventId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An agent with its current status' })
  @ApiResponse({ status: 200, description: '{ id, name, pools, concurrency, status, lastHeartbeatAt }' })
  @ApiResponse({ status: 400, description: 'malformed agent id' })
  @ApiResponse({ status: 403, description: 'an agent key naming another agent' })
  @ApiResponse({ status: 404, description: 'no such agent' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', new ZodPipe(agentIdParam, 'path')) id: string) {
    return this.agents.get(principal, id);
  }

  @Sse(':id/events')
  @ApiOperation({
    summary: "An agent's status as server-sent events: its retained history (or after Last-Event-ID), then live",
    description: STATUS_EVENTS,
  })
  @ApiEventStream()
  @ApiResponse({
    status: 400,
    description: 'malformed agent id, or a Last-Event-ID that is not an event id of this stream',
  })
  @ApiResponse({ status: 403, description: 'an agent key naming another agent' })
  @ApiResponse({ status: 404, description: 'no such agent' })
  events(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(agentIdParam, 'path')) id: string,
    @LastEventIdParam() lastEventId: LastEventId,
  ) {
    return this.agents.events(principal, id, lastEventId);
  }
}
