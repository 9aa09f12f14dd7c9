/** Size of the previews kept for listings. */
export const PREVIEW_BYTES = 4096;

/**
 * The JSON text of `value` (a string is kept as it is, unquoted), cut to at most `maxBytes` UTF-8 bytes on a
 * code point boundary (never in the middle of a multi-byte character or a
 * surrogate pair). `null` for `undefined`/`null`.
 */
export function preview(value: unknown, maxBytes = PREVIEW_BYTES): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return truncateUtf8(text, maxBytes);
}

export function truncateUtf8(text: string, maxBytes: number): string {
  // A UTF-16 code unit never encodes to more than 3 UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** UTF-8 byte length of a JSON value's text. */
export function jsonByteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}
