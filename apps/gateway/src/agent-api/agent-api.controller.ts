import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  HttpCode,
  Inject,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentKeyGuard, CurrentPrincipal } from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import type { AgentReportBody } from '@switchyard/domain';
import type { Response } from 'express';
import { z } from 'zod';
import { uuidParam } from '../admin/admin.schemas';
import { openApiSchema, ZodPipe } from '../problem/zod.pipe';
import {
  attemptBody,
  claimBody,
  completeBody,
  failBody,
  heartbeatBody,
  openSessionBody,
  sessionBody,
  statusBody,
} from './agent-api.schemas';
import type { ClaimBody, OpenSessionBody, StatusBody } from './agent-api.schemas';
import { AgentApiService } from './agent-api.service';

function agentIdOf(principal: Principal): string {
  if (principal.kind !== 'agent') throw new Error('AgentKeyGuard let a non-agent principal through');
  return principal.agentId;
}

const sessionIdParam = z.string().min(1).max(64);

/** The answers every report route shares. */
const ReportResponses = () =>
  applyDecorators(
    ApiResponse({ status: 202, description: 'stored; the dispatcher applies it: { stored: true, state, … }' }),
    ApiResponse({ status: 200, description: 'restates what the ledger already holds: { stored: false, state, … }' }),
    ApiResponse({ status: 403, description: 'that attempt was never dispatched to this agent' }),
    ApiResponse({ status: 404, description: 'no such command' }),
    ApiResponse({
      status: 409,
      description: 'stale attempt, or the command moved on (cancelled, timed out, finished)',
    }),
  );

/**
 * Agents that speak only HTTP, with their agent key: a session, a long-poll
 * claim, and the same reports an SDK agent publishes (docs/agent-protocol.md).
 */
@ApiTags('agent (HTTP agents)')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'missing, wrong or revoked API key' })
@ApiResponse({ status: 403, description: 'not an agent key' })
@UseGuards(AgentKeyGuard)
@Controller('v1/agent')
export class AgentApiController {
  constructor(@Inject(AgentApiService) private readonly agents: AgentApiService) {}

  @Post('sessions')
  @ApiOperation({ summary: 'Open a session: the agent goes online and its queued work is dispatched to it' })
  @ApiBody({ schema: openApiSchema(openSessionBody) })
  @ApiResponse({ status: 201, description: '{ sessionId, pools, concurrency, livenessTimeoutMs }' })
  openSession(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(openSessionBody)) body: OpenSessionBody) {
    return this.agents.openSession(agentIdOf(principal), body);
  }

  @Delete('sessions/:sessionId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Close a session: the agent goes offline unless a newer session replaced it' })
  async closeSession(
    @CurrentPrincipal() principal: Principal,
    @Param('sessionId', new ZodPipe(sessionIdParam, 'path')) sessionId: string,
  ): Promise<void> {
    await this.agents.closeSession(agentIdOf(principal), sessionId);
  }

  @Post('heartbeat')
  @HttpCode(202)
  @ApiOperation({ summary: "The session's liveness heartbeat" })
  @ApiBody({ schema: openApiSchema(sessionBody) })
  async heartbeat(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(sessionBody)) body: { sessionId: string },
  ): Promise<void> {
    await this.agents.sessionHeartbeat(agentIdOf(principal), body.sessionId);
  }

  @Post('status')
  @HttpCode(202)
  @ApiOperation({ summary: "Publish the agent's status (phase, activity, detail) on its status stream" })
  @ApiBody({ schema: openApiSchema(statusBody) })
  async status(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(statusBody)) body: StatusBody,
  ): Promise<void> {
    await this.agents.status(agentIdOf(principal), body);
  }

  @Post('commands/claim')
  @HttpCode(200)
  @ApiOperation({ summary: 'Long poll: up to `max` attempts dispatched to this agent, waiting up to `waitMs`' })
  @ApiBody({ schema: openApiSchema(claimBody) })
  @ApiResponse({ status: 200, description: '{ commands: [{ id, type, payload, attempt, deadlineAt, … }] }' })
  async claim(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(claimBody)) body: ClaimBody,
    @Res({ passthrough: true }) res: Response,
  ) {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    return { commands: await this.agents.claim(agentIdOf(principal), body.max, body.waitMs, gone.signal) };
  }

  @Post('commands/:id/accept')
  @ApiOperation({ summary: 'Accept an attempt (must come within its ack timeout)' })
  @ApiBody({ schema: openApiSchema(attemptBody) })
  @ReportResponses()
  accept(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(attemptBody)) body: { attempt: number },
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.report(principal, id, { kind: 'accepted', attempt: body.attempt }, res);
  }

  @Post('commands/:id/heartbeat')
  @ApiOperation({ summary: 'Keep a running attempt alive, optionally with progress' })
  @ApiBody({ schema: openApiSchema(heartbeatBody) })
  @ReportResponses()
  heartbeatCommand(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(heartbeatBody)) body: { attempt: number; progress?: unknown },
    @Res({ passthrough: true }) res: Response,
  ) {
    const report: AgentReportBody =
      body.progress === undefined
        ? { kind: 'heartbeat', attempt: body.attempt }
        : { kind: 'progress', attempt: body.attempt, progress: body.progress };
    return this.report(principal, id, report, res);
  }

  @Post('commands/:id/complete')
  @ApiOperation({ summary: "Report an attempt's result" })
  @ApiBody({ schema: openApiSchema(completeBody) })
  @ReportResponses()
  complete(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(completeBody)) body: { attempt: number; result?: unknown },
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.report(principal, id, { kind: 'succeeded', attempt: body.attempt, result: body.result ?? null }, res);
  }

  @Post('commands/:id/fail')
  @ApiOperation({ summary: 'Report that an attempt failed (retried when `retryable` and attempts remain)' })
  @ApiBody({ schema: openApiSchema(failBody) })
  @ReportResponses()
  fail(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(failBody)) body: z.output<typeof failBody>,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.report(principal, id, { kind: 'failed', ...body }, res);
  }

  @Post('commands/:id/release')
  @ApiOperation({ summary: 'Hand an attempt back unfinished (graceful shutdown); not counted as a failure' })
  @ApiBody({ schema: openApiSchema(attemptBody) })
  @ReportResponses()
  release(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(attemptBody)) body: { attempt: number },
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.report(principal, id, { kind: 'released', attempt: body.attempt }, res);
  }

  /**
   * 202 when the report was stored for the dispatcher, 200 when it restates what the ledger holds.
   * The request's `traceparent` header goes on with the report (as the NATS header of the same name).
   */
  private async report(principal: Principal, id: string, report: AgentReportBody, res: Response) {
    const traceparent = res.req.headers.traceparent;
    const answer = await this.agents.report(
      agentIdOf(principal),
      id,
      report,
      typeof traceparent === 'string' ? traceparent : undefined,
    );
    res.status(answer.stored ? 202 : 200);
    return answer;
  }
}
