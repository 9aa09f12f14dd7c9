import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminOrApiKeyGuard, CurrentPrincipal } from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import type { Response } from 'express';
import { uuidParam } from '../admin/admin.schemas';
import { openApiSchema, ZodPipe } from '../problem/zod.pipe';
import { listDeadLettersQuery, replayBody, resolveBody } from './dead-letters.schemas';
import type { ListDeadLettersQuery, ReplayBody, ResolveBody } from './dead-letters.schemas';
import { DeadLettersService } from './dead-letters.service';

@ApiTags('dead-letters')
@ApiBearerAuth()
@ApiHeader({ name: 'x-admin-key', required: false, description: 'instead of a bearer key: every dead letter' })
@ApiResponse({ status: 401, description: 'missing, wrong or revoked key' })
@UseGuards(AdminOrApiKeyGuard)
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(@Inject(DeadLettersService) private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({ summary: 'List dead letters, newest first (keyset pagination)' })
  @ApiQuery({ name: 'type', required: false })
  @ApiQuery({ name: 'reason', required: false })
  @ApiQuery({ name: 'target', required: false })
  @ApiQuery({ name: 'resolved', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listDeadLettersQuery, 'query')) query: ListDeadLettersQuery,
  ) {
    return this.deadLetters.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A dead letter' })
  @ApiResponse({ status: 404, description: 'no such dead letter visible to this key' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', new ZodPipe(uuidParam, 'path')) id: string) {
    return this.deadLetters.get(principal, id);
  }

  @Post(':id/replay')
  @HttpCode(201)
  @ApiOperation({ summary: 'Submit a new command copied from the dead-lettered one (fresh attempts)' })
  @ApiBody({ schema: openApiSchema(replayBody), required: false })
  @ApiResponse({ status: 201, description: '{ deadLetter, command: { id, state } }; Location: /v1/commands/{id}' })
  @ApiResponse({ status: 404, description: 'no such dead letter of a command this key submitted' })
  @ApiResponse({ status: 409, description: 'already replayed (send { "force": true } to replay again)' })
  async replay(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(replayBody)) body: ReplayBody,
    @Res({ passthrough: true }) res: Response,
  ) {
    const replayed = await this.deadLetters.replay(principal, id, body.force);
    res.location(`/v1/commands/${replayed.command.id}`);
    return replayed;
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark a dead letter as handled, with a note' })
  @ApiBody({ schema: openApiSchema(resolveBody) })
  @ApiResponse({ status: 404, description: 'no such dead letter of a command this key submitted' })
  @ApiResponse({ status: 409, description: 'already resolved' })
  resolve(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(resolveBody)) body: ResolveBody,
  ) {
    return this.deadLetters.resolve(principal, id, body.note);
  }
}
