import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentPrincipal } from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import { httpCommandRequestSchema } from '@switchyard/messaging';
import type { HttpCommandRequest } from '@switchyard/messaging';
import type { Response } from 'express';
import { uuidParam } from '../admin/admin.schemas';
import { openApiSchema, ZodPipe } from '../problem/zod.pipe';
import { cancelBody, listCommandsQuery } from './commands.schemas';
import type { ListCommandsQuery } from './commands.schemas';
import { CommandsService } from './commands.service';

@ApiTags('commands')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'missing, wrong or revoked API key' })
@UseGuards(ApiKeyGuard)
@Controller('v1/commands')
export class CommandsController {
  constructor(@Inject(CommandsService) private readonly commands: CommandsService) {}

  @Post()
  @ApiOperation({ summary: 'Submit a command' })
  @ApiBody({ schema: openApiSchema(httpCommandRequestSchema) })
  @ApiResponse({ status: 202, description: '{ id, state, acceptedAt }; Location: /v1/commands/{id}' })
  @ApiResponse({ status: 200, description: 'idempotent replay: the original command (Idempotent-Replayed: true)' })
  @ApiResponse({ status: 400, description: 'validation error, with field details' })
  @ApiResponse({ status: 413, description: 'payload over the configured limit' })
  async submit(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(httpCommandRequestSchema)) body: HttpCommandRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { replayed, body: accepted } = await this.commands.submit(principal, body);
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
