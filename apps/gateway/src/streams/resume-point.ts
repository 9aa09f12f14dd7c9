import type { FieldError } from '../problem/problem';

/** Largest stream sequence accepted as a Last-Event-ID: every JetStream sequence fits in a JS number below it. */
const SEQUENCE = /^\d{1,16}$/;

export type ResumePoint =
  | { ok: true; after: undefined }
  | { ok: true; after: number; field: 'Last-Event-ID' | 'lastEventId' }
  | { ok: false; error: FieldError };

/**
 * The stream sequence a reconnecting client last received, from the
 * `Last-Event-ID` header (sent by EventSource on every reconnection) or the
 * `lastEventId` query parameter (for clients that cannot set headers). The
 * header wins: a query parameter stays in the URL across reconnections while
 * the header moves on. Empty means absent, as EventSource sends no header
 * before it has seen an id. `after: undefined` means "no resume point".
 */
export function resumePoint(header: unknown, query: unknown): ResumePoint {
  const [field, raw] = present(header) ? (['Last-Event-ID', header] as const) : (['lastEventId', query] as const);
  if (!present(raw)) return { ok: true, after: undefined };
  if (typeof raw !== 'string' || !SEQUENCE.test(raw) || !Number.isSafeInteger(Number(raw))) {
    return { ok: false, error: { field, message: 'must be the id (a stream sequence) of an event of this stream' } };
  }
  return { ok: true, after: Number(raw), field };
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
