/**
 * The deepest nesting of objects and arrays accepted in a JSON document from
 * outside (HTTP bodies, NATS messages). Deeper documents exhaust the stack of
 * recursive code further in (JSON.stringify, JSON Schema compilers, Postgres'
 * jsonb parser) and no payload of ours needs them.
 */
export const MAX_JSON_DEPTH = 64;

export type JsonTextProblem =
  | { kind: 'too-deep'; maxDepth: number }
  /** A `\uD800`-style escape without its partner: JSON.parse accepts it, but no UTF-8 text can hold it. */
  | { kind: 'lone-surrogate' };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const U = 0x75;
const OPENERS = new Set([0x7b, 0x5b]);
const CLOSERS = new Set([0x7d, 0x5d]);
const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * Checks raw JSON text, before it is parsed, for what the parser lets through
 * but the rest of the system cannot store or walk: nesting deeper than
 * `maxDepth`, and escaped lone surrogates. One pass over the bytes; structure
 * characters are ASCII, so UTF-8 continuation bytes never look like them.
 * Syntax errors are left to the parser.
 */
export function jsonTextProblem(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): JsonTextProblem | undefined {
  let depth = 0;
  let inString = false;
  /** The last thing read inside a string was the escape of a high surrogate. */
  let highPending = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (!inString) {
      if (byte === QUOTE) inString = true;
      else if (OPENERS.has(byte)) {
        if (++depth > maxDepth) return { kind: 'too-deep', maxDepth };
      } else if (CLOSERS.has(byte)) depth--;
      continue;
    }
    if (byte === BACKSLASH && bytes[i + 1] === U) {
      const digits = String.fromCharCode(...bytes.subarray(i + 2, i + 6));
      if (!HEX4.test(digits)) return undefined; // not JSON: the parser says so
      const unit = Number.parseInt(digits, 16);
      const low = unit >= 0xdc00 && unit <= 0xdfff;
      if (highPending !== low) return { kind: 'lone-surrogate' };
      highPending = unit >= 0xd800 && unit <= 0xdbff;
      i += 5;
      continue;
    }
    if (highPending) return { kind: 'lone-surrogate' };
    if (byte === BACKSLASH) i++;
    else if (byte === QUOTE) inString = false;
  }
  return highPending ? { kind: 'lone-surrogate' } : undefined;
}
