import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminOrApiKeyGuard, CurrentPrincipal } from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import { uuidParam } from '../admin/admin.schemas';
import { openApiSchema, ZodPipe } from '../problem/zod.pipe';
import { createTriggerSchema, listTriggersQuery } from './triggers.schemas';
import type { CreateTrigger, ListTriggersQuery } from './triggers.schemas';
import { TriggersService } from './triggers.service';

@ApiTags('triggers')
@ApiBearerAuth()
@ApiHeader({ name: 'x-admin-key', required: false, description: 'instead of a bearer key: every trigger' })
@ApiResponse({ status: 401, description: 'missing, wrong or revoked key' })
@UseGuards(AdminOrApiKeyGuard)
@Controller('v1/triggers')
export class TriggersController {
  constructor(@Inject(TriggersService) private readonly triggers: TriggersService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a trigger: events on matching subjects become commands' })
  @ApiBody({ schema: openApiSchema(createTriggerSchema) })
  @ApiResponse({ status: 201, description: 'the trigger' })
  @ApiResponse({ status: 400, description: 'bad pattern, template or command fields, with field details' })
  @ApiResponse({ status: 413, description: 'payload template over the configured limit' })
  create(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(createTriggerSchema)) body: CreateTrigger) {
    return this.triggers.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: "The caller's live triggers (every one for the admin), oldest first (keyset pagination)" })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listTriggersQuery, 'query')) query: ListTriggersQuery,
  ) {
    return this.triggers.list(principal, query);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a trigger; commands it already created are not touched' })
  @ApiResponse({ status: 404, description: 'no such live trigger of this caller' })
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
  ): Promise<void> {
    return this.triggers.remove(principal, id);
  }
}
