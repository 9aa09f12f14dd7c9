import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { type AgentReportBody, judgeAgentReport, parseTraceparent, TRACEPARENT_HEADER } from '@switchyard/domain';
import {
  commandTraceparent,
  type Delivery,
  deliveryOf,
  JetStreamService,
  type Report,
  type SessionEvent,
  type StatusEvent,
} from '@switchyard/messaging';
import { httpDeliveries, httpReportsRefused, traceFields } from '@switchyard/observability';
import { AgentEntity, findCommandForReport, PG_POOL, takeHttpDeliveries, toSnapshot } from '@switchyard/persistence';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { ProblemException } from '../problem/problem';
import type { OpenSessionBody, StatusBody } from './agent-api.schemas';

/** While a claim waits, the ledger is read again this often in case a wake-up was lost. */
const RECHECK_MS = 1_000;

/** Reports that happen once per attempt carry a message id, so a retried POST is stored once. */
const ONCE_PER_ATTEMPT: ReadonlySet<Report['kind']> = new Set(['accepted', 'succeeded', 'failed', 'released']);

const handedOut = httpDeliveries;
const refusedReports = httpReportsRefused;

/**
 * The HTTP side of agents that do not speak NATS. Everything an HTTP agent
 * says becomes the same message an SDK agent would publish (session, status,
 * report), stored in JetStream and applied by the dispatcher with the same
 * code; only the delivery differs: the attempt waits in the ledger and the
 * agent collects it with a long-poll claim.
 */
@Injectable()
export class AgentApiService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AgentApiService.name);
  /** Aborted at shutdown: every waiting claim answers at once. */
  private readonly closing = new AbortController();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  beforeApplicationShutdown(): void {
    this.closing.abort();
  }

  async openSession(agentId: string, body: OpenSessionBody) {
    const agent = await this.dataSource.getRepository(AgentEntity).findOneBy({ id: agentId });
    if (!agent) throw new ProblemException(404, 'agent-not-found', `agent ${agentId} is not registered`);
    const event: SessionEvent = {
      kind: 'connect',
      sessionId: randomUUID(),
      name: body.name ?? agent.name,
      pools: body.pools ?? agent.pools,
      concurrency: body.concurrency ?? agent.maxConcurrency,
      transport: 'http',
    };
    await this.publishSession(agentId, event);
    this.logger.log({ agentId, sessionId: event.sessionId }, 'http agent session opened');
    return {
      sessionId: event.sessionId,
      pools: event.pools,
      concurrency: event.concurrency,
      /** Heart-beat well within this, or the agent is taken offline and its work recovered. */
      livenessTimeoutMs: this.config.agentLivenessTimeoutMs,
    };
  }

  async closeSession(agentId: string, sessionId: string): Promise<void> {
    await this.publishSession(agentId, { kind: 'disconnect', sessionId });
    await this.publishStatus(agentId, { phase: 'offline', sessionId, at: new Date().toISOString() });
  }

  async sessionHeartbeat(agentId: string, sessionId: string): Promise<void> {
    await this.publishSession(agentId, { kind: 'heartbeat', sessionId });
  }

  async status(agentId: string, body: StatusBody): Promise<void> {
    await this.publishStatus(agentId, { ...body, at: new Date().toISOString() });
  }

  /**
   * Hands out up to `max` attempts dispatched to this agent. With none ready,
   * waits up to `waitMs` for a dispatcher's wake-up (reading the ledger again
   * every second in case one was lost). Stops waiting, without taking
   * anything, when `gone` is aborted (the client left) or the gateway stops.
   */
  async claim(agentId: string, max: number, waitMs: number, gone: AbortSignal): Promise<Delivery[]> {
    const take = async () => {
      const rows = await takeHttpDeliveries(this.pool, agentId, max, new Date());
      handedOut.inc(rows.length);
      for (const row of rows) {
        this.logger.debug(
          { commandId: row.id, agentId, attempt: row.attempt, ...traceFields(commandTraceparent(row)) },
          'handed to http agent',
        );
      }
      return rows.map(deliveryOf);
    };
    const first = await take();
    if (first.length > 0 || waitMs === 0) return first;

    const stop = AbortSignal.any([gone, this.closing.signal]);
    const wake = new WakeUp();
    const sub = this.jetstream.nc.subscribe(this.jetstream.subjects.wake(agentId), { callback: () => wake.ring() });
    try {
      const deadline = Date.now() + waitMs;
      // Taken again once subscribed: a wake-up sent before the subscription existed is not missed.
      for (;;) {
        if (stop.aborted) return [];
        const taken = await take();
        const remaining = deadline - Date.now();
        if (taken.length > 0 || remaining <= 0) return taken;
        await wake.wait(Math.min(remaining, RECHECK_MS), stop);
      }
    } finally {
      sub.unsubscribe();
    }
  }

  /**
   * Judges a report against the ledger with the dispatcher's transition table
   * (404 unknown, 403 never this agent's attempt, 409 stale or refused, 200 a
   * replay), then stores it on the agent's report subject for the dispatcher.
   */
  async report(agentId: string, commandId: string, body: AgentReportBody, traceparent?: string) {
    const found = await findCommandForReport(this.pool, commandId, agentId, body.attempt);
    const verdict = judgeAgentReport(
      found && toSnapshot(found.row),
      found?.heldByAgent ?? false,
      body,
      this.config.limits.maxResultBytes,
      new Date(),
    );
    switch (verdict.kind) {
      case 'not-found':
        throw new ProblemException(404, 'command-not-found', `no command ${commandId}`);
      case 'not-yours':
        refusedReports.inc({ reason: 'not-yours' });
        throw new ProblemException(403, 'not-your-command', `attempt ${body.attempt} of ${commandId} is not yours`);
      case 'conflict':
        refusedReports.inc({ reason: verdict.reason });
        throw new ProblemException(409, verdict.reason, verdict.detail, {
          state: found!.row.state,
          attempt: found!.row.attempt,
        });
      case 'replay':
        return { stored: false, commandId, attempt: body.attempt, state: found!.row.state };
      case 'store': {
        const report = { ...body, commandId } as Report;
        const msgId = ONCE_PER_ATTEMPT.has(report.kind) ? `${commandId}:${body.attempt}:${report.kind}` : undefined;
        const trace: Record<string, string> =
          traceparent && parseTraceparent(traceparent) ? { [TRACEPARENT_HEADER]: traceparent } : {};
        await this.jetstream.publishJson(this.jetstream.subjects.report(agentId), report, msgId, trace);
        this.logger.debug(
          { commandId, agentId, attempt: body.attempt, kind: report.kind, ...traceFields(traceparent) },
          'http report stored',
        );
        return { stored: true, commandId, attempt: body.attempt, state: found!.row.state };
      }
    }
  }

  private async publishSession(agentId: string, event: SessionEvent): Promise<void> {
    await this.jetstream.publishJson(this.jetstream.subjects.session(agentId), event);
  }

  private async publishStatus(agentId: string, status: StatusEvent): Promise<void> {
    await this.jetstream.publishJson(this.jetstream.subjects.status(agentId), status);
  }
}

/** A doorbell: `ring()` wakes the current `wait()`, or the next one if nobody waits. */
class WakeUp {
  private rung = false;
  private waiter?: () => void;

  ring(): void {
    this.rung = true;
    this.waiter?.();
  }

  wait(ms: number, stop: AbortSignal): Promise<void> {
    if (this.rung || stop.aborted) {
      this.rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        this.waiter = undefined;
        this.rung = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.addEventListener('abort', done);
      this.waiter = done;
    });
  }
}
