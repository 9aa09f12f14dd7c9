import { COMMAND_STATES } from '@switchyard/domain/command/command-state';
import type { AuthKind } from './cli-config';
import { CliError, EXIT, usageError } from './exit-codes';

/**
 * Arguments → HTTP requests, one builder per subcommand. Pure: values are
 * checked here (a bad one is a usage error before anything is sent), and the
 * gateway checks the rest (its 400 carries field details).
 */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  auth: AuthKind;
}

export type Target = { agent: string } | { pool: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_ID = /^\d{1,16}$/;

export function uuid(value: string, what: string): string {
  if (!UUID.test(value)) throw usageError(`${what} must be a UUID, got "${value}"`);
  return value.toLowerCase();
}

/** Exactly one of `--agent` and `--pool`. */
export function target(options: { agent?: string; pool?: string }): Target {
  if (options.agent && options.pool) throw usageError('give either --agent or --pool, not both');
  if (options.agent) return { agent: options.agent };
  if (options.pool) return { pool: options.pool };
  throw usageError('a target is needed: --agent <id> or --pool <name>');
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1500ms`, `30s`, `2m`, `1h`, `1d`; a bare number is seconds. */
export function duration(value: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw usageError(`${what} must be a duration such as 30s, 1500ms, 2m or 1h, got "${value}"`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']);
}

/** An ISO 8601 date-time with offset, or `+<duration>` from `now`. */
export function instant(value: string, what: string, now: Date): string {
  if (value.startsWith('+')) return new Date(now.getTime() + duration(value.slice(1), what)).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value) || isNaN(Date.parse(value)))
    throw usageError(`${what} must be an ISO 8601 date-time with offset (2026-01-01T09:00:00Z) or +<duration>`);
  return value;
}

export function positiveInt(value: string, what: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value)))
    throw usageError(`${what} must be a positive integer, got "${value}"`);
  return Number(value);
}

/** JSON text from an argument, a file or stdin; not JSON is a data error. */
export function jsonValue(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${(err as Error).message}`, EXIT.invalid);
  }
}

/** Where JSON input comes from: `-` is stdin, `@path` a file, anything else the text itself. */
export type JsonSource = { kind: 'stdin' } | { kind: 'file'; path: string } | { kind: 'inline'; text: string };

export function jsonSource(arg: string): JsonSource {
  if (arg === '-') return { kind: 'stdin' };
  if (arg.startsWith('@') && arg.length > 1) return { kind: 'file', path: arg.slice(1) };
  return { kind: 'inline', text: arg };
}

/** `key=value` pairs (repeatable `--label`). */
export function labels(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw usageError(`--label must be key=value, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export function eventId(value: string): string {
  if (!EVENT_ID.test(value)) throw usageError(`--since must be an event id (a decimal number), got "${value}"`);
  return value;
}

/* ---- commands ---- */

export interface SubmitInput {
  type: string;
  agent?: string;
  pool?: string;
  /** Already parsed; undefined when no payload was given. */
  payload?: unknown;
  idempotencyKey?: string;
  sync?: boolean;
  timeout?: string;
  runAt?: string;
  deadline?: string;
  maxAttempts?: string;
}

export function submitRequest(input: SubmitInput, now: Date): ApiRequest {
  if (input.timeout !== undefined && !input.sync) throw usageError('--timeout applies to --sync only');
  if (input.runAt !== undefined && input.sync) throw usageError('--run-at cannot be combined with --sync');
  const body: Record<string, unknown> = { target: target(input), type: input.type };
  if (input.payload !== undefined) body.payload = input.payload;
  if (input.idempotencyKey !== undefined) body.idempotencyKey = input.idempotencyKey;
  if (input.sync) body.mode = 'sync';
  if (input.timeout !== undefined) body.timeoutMs = duration(input.timeout, '--timeout');
  if (input.runAt !== undefined) body.runAt = instant(input.runAt, '--run-at', now);
  if (input.deadline !== undefined) body.deadline = instant(input.deadline, '--deadline', now);
  if (input.maxAttempts !== undefined) body.maxAttempts = positiveInt(input.maxAttempts, '--max-attempts');
  return { method: 'POST', path: '/v1/commands', body, auth: 'api' };
}

export function getCommandRequest(id: string): ApiRequest {
  return { method: 'GET', path: `/v1/commands/${uuid(id, 'the command id')}`, auth: 'api' };
}

export function cancelRequest(id: string, reason?: string): ApiRequest {
  return {
    method: 'POST',
    path: `/v1/commands/${uuid(id, 'the command id')}/cancel`,
    body: reason ? { reason } : {},
    auth: 'api',
  };
}

export interface PageInput {
  limit?: string;
  cursor?: string;
}

function page(input: PageInput): Record<string, string> {
  const query: Record<string, string> = {};
  if (input.limit !== undefined) {
    const limit = positiveInt(input.limit, '--limit');
    if (limit > 500) throw usageError('--limit must be at most 500');
    query.limit = String(limit);
  }
  if (input.cursor !== undefined) query.cursor = input.cursor;
  return query;
}

export function listCommandsRequest(input: PageInput & { state?: string; target?: string; type?: string }): ApiRequest {
  const query = page(input);
  if (input.state !== undefined) {
    if (!(COMMAND_STATES as readonly string[]).includes(input.state))
      throw usageError(`--state must be one of ${COMMAND_STATES.join(', ')}`);
    query.state = input.state;
  }
  if (input.target !== undefined) query.target = input.target;
  if (input.type !== undefined) query.type = input.type;
  return { method: 'GET', path: '/v1/commands', query, auth: 'api' };
}

/* ---- dead letters ---- */

export function listDeadLettersRequest(
  input: PageInput & { type?: string; reason?: string; target?: string; resolved?: boolean; unresolved?: boolean },
): ApiRequest {
  if (input.resolved && input.unresolved) throw usageError('give either --resolved or --unresolved, not both');
  const query = page(input);
  if (input.type !== undefined) query.type = input.type;
  if (input.reason !== undefined) query.reason = input.reason;
  if (input.target !== undefined) query.target = input.target;
  if (input.resolved) query.resolved = 'true';
  if (input.unresolved) query.resolved = 'false';
  return { method: 'GET', path: '/v1/dead-letters', query, auth: 'either' };
}

export function replayDeadLetterRequest(id: string, force = false): ApiRequest {
  return {
    method: 'POST',
    path: `/v1/dead-letters/${uuid(id, 'the dead letter id')}/replay`,
    body: { force },
    auth: 'either',
  };
}

export function resolveDeadLetterRequest(id: string, note: string): ApiRequest {
  if (!note.trim()) throw usageError('--note must not be empty');
  return {
    method: 'POST',
    path: `/v1/dead-letters/${uuid(id, 'the dead letter id')}/resolve`,
    body: { note },
    auth: 'either',
  };
}

/* ---- agents and keys ---- */

export function listAgentsRequest(input: { pool?: string; status?: string }): ApiRequest {
  const query: Record<string, string> = {};
  if (input.pool !== undefined) query.pool = input.pool;
  if (input.status !== undefined) query.status = input.status;
  return { method: 'GET', path: '/v1/agents', query, auth: 'either' };
}

export function mintAgentKeyRequest(input: {
  id: string;
  name?: string;
  pool?: readonly string[];
  concurrency?: string;
  label?: readonly string[];
  force?: boolean;
}): ApiRequest {
  const body: Record<string, unknown> = { id: input.id };
  if (input.name !== undefined) body.name = input.name;
  if (input.pool?.length) body.pools = [...input.pool];
  if (input.concurrency !== undefined) body.concurrency = positiveInt(input.concurrency, '--concurrency');
  if (input.label?.length) body.labels = labels(input.label);
  if (input.force) body.force = true;
  return { method: 'POST', path: '/v1/admin/agents', body, auth: 'admin' };
}

export function revokeKeyRequest(keyId: string): ApiRequest {
  return { method: 'DELETE', path: `/v1/admin/keys/${uuid(keyId, 'the key id')}`, auth: 'admin' };
}

/* ---- schedules and triggers ---- */

export function listSchedulesRequest(input: PageInput): ApiRequest {
  return { method: 'GET', path: '/v1/schedules', query: page(input), auth: 'api' };
}

export interface FiredCommandInput {
  agent?: string;
  pool?: string;
  type: string;
  payload?: unknown;
  maxAttempts?: string;
  deadline?: string;
}

function firedCommand(input: FiredCommandInput): Record<string, unknown> {
  const command: Record<string, unknown> = { target: target(input), type: input.type };
  if (input.maxAttempts !== undefined) command.maxAttempts = positiveInt(input.maxAttempts, '--max-attempts');
  if (input.deadline !== undefined) command.deadlineMs = duration(input.deadline, '--deadline');
  return command;
}

export function createScheduleRequest(
  input: FiredCommandInput & { name: string; cron: string; timezone: string; catchUp?: string },
): ApiRequest {
  const command = firedCommand(input);
  if (input.payload !== undefined) command.payload = input.payload;
  const body: Record<string, unknown> = { name: input.name, cron: input.cron, timezone: input.timezone, command };
  if (input.catchUp !== undefined) body.catchUp = input.catchUp;
  return { method: 'POST', path: '/v1/schedules', body, auth: 'api' };
}

export function removeScheduleRequest(id: string): ApiRequest {
  return { method: 'DELETE', path: `/v1/schedules/${uuid(id, 'the schedule id')}`, auth: 'api' };
}

export function listTriggersRequest(input: PageInput): ApiRequest {
  return { method: 'GET', path: '/v1/triggers', query: page(input), auth: 'either' };
}

export function createTriggerRequest(input: FiredCommandInput & { pattern: string }): ApiRequest {
  const { maxAttempts, deadlineMs, ...command } = firedCommand(input);
  const body: Record<string, unknown> = { subjectPattern: input.pattern, ...command };
  if (input.payload !== undefined) body.payloadTemplate = input.payload;
  if (maxAttempts !== undefined) body.retry = { maxAttempts };
  if (deadlineMs !== undefined) body.deadlineMs = deadlineMs;
  return { method: 'POST', path: '/v1/triggers', body, auth: 'either' };
}

export function removeTriggerRequest(id: string): ApiRequest {
  return { method: 'DELETE', path: `/v1/triggers/${uuid(id, 'the trigger id')}`, auth: 'either' };
}

/* ---- event streams ---- */

export type TailTarget = { kind: 'command'; id: string } | { kind: 'agent'; id: string } | { kind: 'all-agents' };

export function tailTarget(input: { commandId?: string; agent?: string; allAgents?: boolean }): TailTarget {
  const given = [input.commandId !== undefined, input.agent !== undefined, input.allAgents === true].filter(Boolean);
  if (given.length !== 1) throw usageError('tail needs exactly one of: a command id, --agent <id>, --all-agents');
  if (input.commandId !== undefined) return { kind: 'command', id: uuid(input.commandId, 'the command id') };
  if (input.agent !== undefined) return { kind: 'agent', id: input.agent };
  return { kind: 'all-agents' };
}

/** The SSE route of a tail target (commands take a bearer key; agent streams either key). */
export function streamRequest(t: TailTarget): ApiRequest {
  switch (t.kind) {
    case 'command':
      return { method: 'GET', path: `/v1/commands/${t.id}/events`, auth: 'api' };
    case 'agent':
      return { method: 'GET', path: `/v1/agents/${encodeURIComponent(t.id)}/events`, auth: 'either' };
    case 'all-agents':
      return { method: 'GET', path: '/v1/agents/events', auth: 'either' };
  }
}
