import { callerOf, type Principal } from '@switchyard/auth';
import type { HttpCommandRequest } from '@switchyard/messaging';
import type { Response } from 'express';
import { targetOf } from '../commands/commands.service';
import { ProblemException } from '../problem/problem';
import type { SyncAnswer } from './sync-answer';
import type { SyncCall } from './sync.service';

/** A `POST /v1/commands` body with mode "sync" as a call (the schema refuses a client-chosen id over HTTP). */
export function httpSyncCall(principal: Principal, body: HttpCommandRequest, traceparent: string): SyncCall {
  const { target: _target, timeoutMs, ...request } = body;
  return { caller: callerOf(principal), target: targetOf(body), request: { ...request, traceparent }, timeoutMs };
}

/** 200 with `{ id, state, result }`, or a problem document with its headers (Retry-After, Location). */
export function sendSyncAnswer(res: Response, answer: SyncAnswer): { id?: string; state?: string; result?: unknown } {
  const location = answer.id ? `/v1/commands/${answer.id}` : undefined;
  if (answer.status === 200) {
    res.status(200);
    if (location) res.location(location);
    if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return { id: answer.id, state: answer.state, result: answer.result };
  }
  const headers: Record<string, string> = {};
  if (answer.retryAfterSeconds !== undefined) headers['Retry-After'] = String(answer.retryAfterSeconds);
  if (location && answer.status !== 400 && answer.status !== 413) headers.Location = location;
  if (answer.replayed) headers['Idempotent-Replayed'] = 'true';
  throw new ProblemException(
    answer.status,
    answer.error?.code ?? 'sync',
    answer.error?.message ?? 'sync call failed',
    {
      ...(answer.id ? { id: answer.id, state: answer.state } : {}),
      ...(answer.error?.detail ? { error: answer.error.detail } : {}),
      ...(answer.errors ? { errors: answer.errors } : {}),
    },
    headers,
  );
}
