import { continueTrace, formatTraceparent, traceIdOf } from '@switchyard/domain';
import { randomHex } from './random-pool';

/** The traceparent a hop that received `incoming` (a header, maybe absent or invalid) records and sends on. */
export function continueTraceparent(incoming: string | null | undefined): string {
  return formatTraceparent(continueTrace(incoming, randomHex));
}

/** Log fields for a traceparent: `{ traceId }`, or nothing for a missing or invalid value. */
export function traceFields(traceparent: string | null | undefined): { traceId?: string } {
  const traceId = traceIdOf(traceparent);
  return traceId ? { traceId } : {};
}
