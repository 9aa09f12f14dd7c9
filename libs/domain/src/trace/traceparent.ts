/**
 * W3C Trace Context `traceparent` values (https://www.w3.org/TR/trace-context/):
 * `version-traceid-parentid-flags`, e.g.
 * `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
 *
 * Rules applied when reading one (a value that breaks any is ignored and a
 * new trace starts, as the recommendation asks):
 * - lower-case hex only (the grammar is HEXDIGLC; upper case is invalid);
 * - version `ff` is invalid; version `00` is exactly 55 characters; a later
 *   version is read by its first four fields, and anything after the flags
 *   must start with `-`;
 * - a trace id or parent id of all zeros is invalid.
 *
 * Everything written is version `00`. The header name is `traceparent` on
 * HTTP and as a NATS header alike.
 */

export const TRACEPARENT_HEADER = 'traceparent';

export interface TraceContext {
  /** 16 bytes, 32 lower-case hex characters, not all zero. */
  traceId: string;
  /** The id of the span that sent this context (the parent of the next one): 8 bytes, 16 hex. */
  spanId: string;
  /** Trace flags byte; bit 0 is `sampled`. */
  flags: number;
}

/** Returns `bytes` random bytes as lower-case hex (node:crypto's randomBytes in production). */
export type RandomHex = (bytes: number) => string;

const FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;

export function parseTraceparent(value: string | null | undefined): TraceContext | undefined {
  if (typeof value !== 'string') return undefined;
  const match = FIELDS.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff') return undefined;
  if (version === '00' && rest !== undefined) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags.toString(16).padStart(2, '0')}`;
}

/** The same trace, one hop further: a new span id whose parent is `parent.spanId`. */
export function childTrace(parent: TraceContext, random: RandomHex): TraceContext {
  return { traceId: parent.traceId, spanId: nonZero(random(8)), flags: parent.flags };
}

/** A new sampled trace. */
export function startTrace(random: RandomHex): TraceContext {
  return { traceId: nonZero(random(16)), spanId: nonZero(random(8)), flags: 1 };
}

/**
 * What a hop that received `incoming` sends on: a child of a valid incoming
 * context, otherwise the root of a new trace.
 */
export function continueTrace(incoming: string | null | undefined, random: RandomHex): TraceContext {
  const parent = parseTraceparent(incoming);
  return parent ? childTrace(parent, random) : startTrace(random);
}

/**
 * A command that carries no traceparent of its own (submitted before traces
 * were stored): its trace id is its uuid's 16 bytes and its span id the last
 * 8 of them, so every hop derives the same trace for it.
 */
export function traceOfCommandId(commandId: string): TraceContext {
  const hex = commandId.replace(/-/g, '').toLowerCase();
  return { traceId: nonZero(hex), spanId: nonZero(hex.slice(16)), flags: 0 };
}

/** The trace id inside a traceparent value, or undefined when the value is not valid. */
export function traceIdOf(value: string | null | undefined): string | undefined {
  return parseTraceparent(value)?.traceId;
}

/** All-zero ids are invalid; random ones are all zero with negligible odds, a uuid never. */
function nonZero(hex: string): string {
  return ALL_ZERO.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}
