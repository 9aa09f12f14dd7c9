import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  AdminOrClientGuard,
  AgentKeyGuard,
  CurrentPrincipal,
  OptionalAuthGuard,
  OptionalPrincipal,
} from '@switchyard/auth';
import type { Principal } from '@switchyard/auth';
import type { Response } from 'express';
import { uuidParam } from '../admin/admin.schemas';
import { openApiSchema, ZodPipe } from '../problem/zod.pipe';
import {
  argumentBodySchema,
  createTopicSchema,
  pageQuery,
  signupBodySchema,
  verdictBodySchema,
} from './topics.schemas';
import type { ArgumentBody, CreateTopic, PageQuery, SignupBody, VerdictBody } from './topics.schemas';
import { TopicsService } from './topics.service';

type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;

/** Debate topics (docs/debate.md). Reads of public topics need no key; private ones, a participant's. */
@ApiTags('topics')
@Controller('v1/topics')
export class TopicsController {
  constructor(@Inject(TopicsService) private readonly topics: TopicsService) {}

  @Post()
  @HttpCode(201)
  @UseGuards(AdminOrClientGuard)
  @ApiBearerAuth()
  @ApiSecurity('x-admin-key')
  @ApiOperation({ summary: 'Create a debate topic (admin key or client key)' })
  @ApiBody({ schema: openApiSchema(createTopicSchema) })
  @ApiResponse({ status: 201, description: 'the topic, state `created`' })
  @ApiResponse({ status: 400, description: 'validation error (times out of order, invalid verdictSchema, ...)' })
  @ApiResponse({ status: 401, description: 'missing or invalid credentials' })
  @ApiResponse({ status: 403, description: 'an agent key' })
  create(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(createTopicSchema)) body: CreateTopic) {
    return this.topics.create(principal, body);
  }

  @Get()
  @UseGuards(OptionalAuthGuard)
  @ApiOperation({
    summary: 'Topics visible to the caller, oldest first (keyset pagination); public ones without a key',
  })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  list(
    @OptionalPrincipal() principal: Principal | undefined,
    @Query(new ZodPipe(pageQuery, 'query')) query: PageQuery,
  ) {
    return this.topics.list(principal, query);
  }

  @Get(':id')
  @UseGuards(OptionalAuthGuard)
  @ApiOperation({ summary: 'A topic, with its camps once allocated' })
  @ApiResponse({ status: 401, description: 'private topic, no key' })
  @ApiResponse({ status: 403, description: 'private topic, not a participant' })
  @ApiResponse({ status: 404, description: 'no such topic' })
  get(@OptionalPrincipal() principal: Principal | undefined, @Param('id', new ZodPipe(uuidParam, 'path')) id: string) {
    return this.topics.get(principal, id);
  }

  @Post(':id/signups')
  @UseGuards(AgentKeyGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Sign up for camps (agent key); signing up again replaces the agent's camps" })
  @ApiBody({ schema: openApiSchema(signupBodySchema) })
  @ApiResponse({ status: 201, description: 'signed up' })
  @ApiResponse({ status: 200, description: 'camps replaced' })
  @ApiResponse({ status: 409, description: 'sign-up is not open' })
  async signUp(
    @CurrentPrincipal() principal: AgentPrincipal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(signupBodySchema)) body: SignupBody,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.topics.signUp(principal, id, body);
    res.status(result.created ? 201 : 200);
    return result.body;
  }

  @Post(':id/arguments')
  @HttpCode(201)
  @UseGuards(AgentKeyGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Post an argument to the open round (pro and con members, while debating)' })
  @ApiBody({ schema: openApiSchema(argumentBodySchema) })
  @ApiResponse({ status: 403, description: 'not a pro or con member of this topic' })
  @ApiResponse({ status: 409, description: 'the debate is not running' })
  @ApiResponse({ status: 413, description: 'over 32 KB' })
  argue(
    @CurrentPrincipal() principal: AgentPrincipal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(argumentBodySchema)) body: ArgumentBody,
  ) {
    return this.topics.argue(principal, id, body);
  }

  @Get(':id/arguments')
  @UseGuards(OptionalAuthGuard)
  @ApiOperation({ summary: 'The transcript, in posting order (keyset pagination)' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  transcript(
    @OptionalPrincipal() principal: Principal | undefined,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Query(new ZodPipe(pageQuery, 'query')) query: PageQuery,
  ) {
    return this.topics.transcript(principal, id, query);
  }

  @Post(':id/verdict')
  @HttpCode(201)
  @UseGuards(AgentKeyGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "The judge's verdict, after the debate ends; completes the topic" })
  @ApiBody({ schema: openApiSchema(verdictBodySchema) })
  @ApiResponse({ status: 403, description: 'not the judge of this topic' })
  @ApiResponse({ status: 409, description: 'the debate has not ended, or the topic already has a verdict' })
  @ApiResponse({ status: 422, description: "the verdict does not match the topic's verdictSchema" })
  judge(
    @CurrentPrincipal() principal: AgentPrincipal,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
    @Body(new ZodPipe(verdictBodySchema)) body: VerdictBody,
  ) {
    return this.topics.judge(principal, id, body);
  }

  @Get(':id/verdict')
  @UseGuards(OptionalAuthGuard)
  @ApiOperation({ summary: 'The verdict, once given' })
  @ApiResponse({ status: 404, description: 'no such topic, or no verdict yet' })
  verdict(
    @OptionalPrincipal() principal: Principal | undefined,
    @Param('id', new ZodPipe(uuidParam, 'path')) id: string,
  ) {
    return this.topics.verdict(principal, id);
  }
}
