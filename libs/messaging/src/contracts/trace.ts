import { formatTraceparent, traceOfCommandId } from '@switchyard/domain';

/**
 * The trace a command's messages carry (the `traceparent` NATS header, and
 * the field of the same name in deliveries and lifecycle events): the one it
 * was recorded with, or for a row older than that column, one derived from
 * its id.
 */
export function commandTraceparent(row: { id: string; traceparent?: string | null }): string {
  return row.traceparent ?? formatTraceparent(traceOfCommandId(row.id));
}
