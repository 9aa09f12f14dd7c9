import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentPrincipal } from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import { uuidParam } from '../admin/admin.schemas';
import { openApiSchema, ZodPipe } from '../problem/zod.pipe';
import { createScheduleSchema, listSchedulesQuery } from './schedules.schemas';
import type { CreateSchedule, ListSchedulesQuery } from './schedules.schemas';
import { SchedulesService } from './schedules.service';

@ApiTags('schedules')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'missing, wrong or revoked API key' })
@UseGuards(ApiKeyGuard)
@Controller('v1/schedules')
export class SchedulesController {
  constructor(@Inject(SchedulesService) private readonly schedules: SchedulesService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a schedule: a command fired at every cron fire time in a time zone' })
  @ApiBody({ schema: openApiSchema(createScheduleSchema) })
  @ApiResponse({ status: 201, description: 'the schedule, with its first fire time (nextFireAt)' })
  @ApiResponse({ status: 400, description: 'validation error (bad cron, unknown time zone, ...), with field details' })
  @ApiResponse({ status: 413, description: 'command payload over the configured limit' })
  create(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(createScheduleSchema)) body: CreateSchedule) {
    return this.schedules.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: "The caller's schedules, oldest first (keyset pagination)" })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listSchedulesQuery, 'query')) query: ListSchedulesQuery,
  ) {
    return this.schedules.list(principal, query);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a schedule; commands it already fired are not touched' })
  @ApiResponse({ status: 404, description: 'no such schedule of this caller' })
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
  ): Promise<void> {
    return this.schedules.remove(principal, id);
  }
}
