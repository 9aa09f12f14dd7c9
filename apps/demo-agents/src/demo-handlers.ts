import { CommandFailure, type Handler } from '@switchyard/agent-sdk';
import { z } from 'zod';

/**
 * The demo fleet's command types, small enough to reason about in a test:
 * `echo` returns its payload, `stamp` returns it with the moment the handler
 * began, `sleep` holds a slot for a while, `fail` fails a chosen number of
 * attempts before it succeeds.
 */

const sleepPayload = z.object({
  ms: z
    .number()
    .int()
    .min(0)
    .max(24 * 60 * 60_000),
});
const failPayload = z.object({
  /** Attempts 1..times fail; later attempts succeed. */
  times: z.number().int().min(0).default(1),
  retryable: z.boolean().default(true),
});

function parsePayload<T>(schema: z.ZodType<T>, payload: unknown, type: string): T {
  const parsed = schema.safeParse(payload ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
  throw new CommandFailure(`invalid ${type} payload: ${issues}`, { code: 'invalid_payload', retryable: false });
}

export const echo: Handler = (payload) => Promise.resolve(payload);

/**
 * The payload (an object) with `startedAt`: when the handler began, in ms
 * since the epoch. The benchmark's "agent start", stamped where the peers'
 * workers stamp theirs.
 */
export const stamp: Handler = (payload) => {
  const startedAt = Date.now();
  const fields = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload : {};
  return Promise.resolve({ ...fields, startedAt });
};

export const sleep: Handler = async (payload, ctx) => {
  const { ms } = parsePayload(sleepPayload, payload, 'sleep');
  await delay(ms, ctx.signal);
  return { slept: ms };
};

export const fail: Handler = (payload, ctx) =>
  // Inside then(): a bad payload rejects the promise instead of throwing at the caller.
  Promise.resolve().then(() => {
    const { times, retryable } = parsePayload(failPayload, payload, 'fail');
    if (ctx.attempt <= times) {
      throw new CommandFailure(`planned failure ${ctx.attempt} of ${times}`, { code: 'planned_failure', retryable });
    }
    return { attempts: ctx.attempt };
  });

const delegatePayload = z.object({
  target: z.union([z.strictObject({ agent: z.string() }), z.strictObject({ pool: z.string() })]),
  type: z.string().default('echo'),
  payload: z.unknown().optional(),
  count: z.number().int().min(1).max(100).default(1),
  /** Keep running this long after delegating (so a cancel can reach parent and children). */
  holdMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 60 * 60_000)
    .default(0),
});

/**
 * Delegates `count` commands of `type` to `target` and returns their ids.
 * Keyed by the parent and index, so a retried attempt finds the same children.
 */
export const delegate: Handler = async (payload, ctx) => {
  const { target, type, payload: childPayload, count, holdMs } = parsePayload(delegatePayload, payload, 'delegate');
  const children: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { id } = await ctx.delegate(target, type, childPayload, { idempotencyKey: `${ctx.commandId}:${i}` });
    children.push(id);
  }
  await delay(holdMs, ctx.signal);
  return { children };
};

export const demoHandlers = { echo, stamp, sleep, fail, delegate } satisfies Record<string, Handler>;

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
