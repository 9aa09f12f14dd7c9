import {
  childTrace,
  formatTraceparent,
  parseTraceparent,
  TRACEPARENT_HEADER,
  traceOfCommandId,
} from '@switchyard/domain/trace/traceparent';
import { randomHex } from '@switchyard/observability/random-pool';

export { TRACEPARENT_HEADER };

/**
 * The trace context of one attempt on this agent: a child (a new span id) of
 * the context the delivery came with (its `traceparent` header, else the
 * field in its body), or of the one derived from the command id when neither
 * is valid. Reports and delegations carry it; handlers get it as
 * `ctx.traceparent`.
 */
export function attemptTraceparent(received: readonly (string | null | undefined)[], commandId: string): string {
  const parent = received.map((v) => parseTraceparent(v)).find((c) => c !== undefined) ?? traceOfCommandId(commandId);
  return formatTraceparent(childTrace(parent, randomHex));
}

/** Log fields for a traceparent the SDK made (always valid). */
export function traceIdField(traceparent: string): { traceId: string } {
  return { traceId: traceparent.slice(3, 35) };
}
