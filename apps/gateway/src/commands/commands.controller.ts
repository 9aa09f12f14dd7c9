import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentPrincipal } from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import { httpCommandRequestSchema } from '@switchyard/messaging';
import type { HttpCommandRequest } from '@switchyard/messaging';
import { continueTraceparent } from '@switchyard/observability';
import type { Response } from 'express';
import { uuidParam } from '../admin/admin.schemas';
import { openApiSchema, ZodPipe } from '../problem/zod.pipe';
import { syncAnswer } from '../sync/sync-answer';
import { httpSyncCall, sendSyncAnswer } from '../sync/sync-http';
import { SyncService } from '../sync/sync.service';
import { cancelBody, listCommandsQuery } from './commands.schemas';
import type { ListCommandsQuery } from './commands.schemas';
import { CommandsService } from './commands.service';
import { LineageService } from './lineage.service';

@ApiTags('commands')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'missing, wrong or revoked API key' })
@UseGuards(ApiKeyGuard)
@Controller('v1/commands')
export class CommandsController {
  constructor(
    @Inject(CommandsService) private readonly commands: CommandsService,
    @Inject(SyncService) private readonly sync: SyncService,
    @Inject(LineageService) private readonly lineage: LineageService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Submit a command (async: 202 at once; sync: waits for the outcome, see docs/sync.md)' })
  @ApiBody({ schema: openApiSchema(httpCommandRequestSchema) })
  @ApiHeader({
    name: 'traceparent',
    required: false,
    description: 'W3C trace context; the command, its delivery and its events continue this trace (docs/operations.md)',
  })
  @ApiResponse({ status: 202, description: '{ id, state, acceptedAt }; Location: /v1/commands/{id}' })
  @ApiResponse({
    status: 200,
    description: 'async: idempotent replay (Idempotent-Replayed: true); sync: succeeded, { id, state, result }',
  })
  @ApiResponse({ status: 400, description: 'validation error, with field details (timeoutMs over the maximum…)' })
  @ApiResponse({ status: 403, description: 'parentId with a key other than the agent running the parent' })
  @ApiResponse({ status: 404, description: 'parentId names no command' })
  @ApiResponse({ status: 409, description: 'parentId names a command that is not in flight' })
  @ApiResponse({ status: 413, description: 'payload over the configured limit' })
  @ApiResponse({ status: 422, description: 'sync: the agent reported a failure' })
  @ApiResponse({ status: 503, description: 'sync: no live agent, or all at capacity; Retry-After' })
  @ApiResponse({ status: 504, description: 'sync: not finished in time; it keeps running (Location)' })
  @ApiResponse({ status: 507, description: 'sync: the result is over the configured size limit' })
  @ApiResponse({ status: 500, description: 'sync: the command ended otherwise (expired, stuck, cancelled)' })
  async submit(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(httpCommandRequestSchema)) body: HttpCommandRequest,
    @Res({ passthrough: true }) res: Response,
    @Headers('traceparent') incomingTrace?: string,
  ) {
    const traceparent = continueTraceparent(incomingTrace);
    const request = { ...body, ...(await this.lineage.adopt(principal, body.parentId)) };
    if (request.mode === 'sync')
      return sendSyncAnswer(res, syncAnswer(await this.sync.call(httpSyncCall(principal, request, traceparent))));
    const { replayed, body: accepted } = await this.commands.submit(principal, request, traceparent);
    res.status(replayed ? 200 : 202).location(`/v1/commands/${accepted.id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return accepted;
  }

  @Get()
  @ApiOperation({ summary: 'List commands, newest first (keyset pagination)' })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'target', required: false })
  @ApiQuery({ name: 'type', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listCommandsQuery, 'query')) query: ListCommandsQuery,
  ) {
    return this.commands.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A command with its full payload, result and event history' })
  @ApiResponse({ status: 404, description: 'no such command visible to this key' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', new ZodPipe(uuidParam, 'path')) id: string) {
    return this.commands.get(principal, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a command that has not finished' })
  @ApiResponse({ status: 409, description: 'the command already reached a terminal state' })
  cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(cancelBody)) body: { reason?: string },
  ) {
    return this.commands.cancel(principal, id, body.reason);
  }
}
