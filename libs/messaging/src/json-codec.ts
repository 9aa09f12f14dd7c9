import { jsonTextProblem } from '@switchyard/domain';

export type DecodedJson = { ok: true; value: unknown } | { ok: false; reason: JsonRejection };

/** Why a message body is not JSON the services can take; used as the bounded label of rejection counters. */
export type JsonRejection = 'malformed-json' | 'json-too-deep' | 'lone-surrogate';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The one way consumers read a JSON message body: strict UTF-8, then the
 * checks JSON.parse does not make (nesting depth, escaped lone surrogates:
 * either would fail further in, in a recursive walk or in Postgres, where the
 * message could only be redelivered), then JSON.parse.
 */
export function decodeJsonMessage(data: Uint8Array): DecodedJson {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { ok: false, reason: 'malformed-json' };
  }
  const problem = jsonTextProblem(data);
  if (problem) return { ok: false, reason: problem.kind === 'too-deep' ? 'json-too-deep' : 'lone-surrogate' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'malformed-json' };
  }
}
