import { Body, Controller, Delete, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminKeyGuard } from '@switchyard/auth';
import { openApiSchema, ZodPipe } from '../problem/zod.pipe';
import { createAgentSchema, createClientSchema, uuidParam } from './admin.schemas';
import type { CreateAgent, CreateClient } from './admin.schemas';
import { AdminService } from './admin.service';

@ApiTags('admin')
@ApiHeader({ name: 'x-admin-key', required: true })
@ApiResponse({ status: 401, description: 'missing or wrong admin key (always, when ADMIN_API_KEY is empty)' })
@UseGuards(AdminKeyGuard)
@Controller('v1/admin')
export class AdminController {
  constructor(@Inject(AdminService) private readonly admin: AdminService) {}

  @Post('agents')
  @ApiOperation({ summary: 'Register an agent (or rotate its key with force) and mint its API key, shown once' })
  @ApiBody({ schema: openApiSchema(createAgentSchema) })
  @ApiResponse({ status: 201, description: '{ agent, apiKey, keyId }' })
  @ApiResponse({ status: 409, description: 'the id exists and force is not set' })
  registerAgent(@Body(new ZodPipe(createAgentSchema)) body: CreateAgent) {
    return this.admin.registerAgent(body);
  }

  @Post('clients')
  @ApiOperation({ summary: 'Register a client and mint its API key, shown once' })
  @ApiBody({ schema: openApiSchema(createClientSchema) })
  @ApiResponse({ status: 201, description: '{ client, apiKey, keyId }' })
  registerClient(@Body(new ZodPipe(createClientSchema)) body: CreateClient) {
    return this.admin.registerClient(body);
  }

  @Delete('keys/:keyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key (idempotent)' })
  @ApiResponse({ status: 404, description: 'no such key' })
  revokeKey(@Param('keyId', new ZodPipe(uuidParam, 'path')) keyId: string): Promise<void> {
    return this.admin.revokeKey(keyId);
  }
}
