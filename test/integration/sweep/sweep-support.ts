import { connect as connectTcp } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { Queryable } from '@switchyard/persistence';
import request from 'supertest';

/** `METHOD /path/{param}` of every operation in the gateway's live OpenAPI document. */
export async function openApiOperations(app: INestApplication): Promise<Map<string, OpenApiOperation>> {
  const res = await request(app.getHttpServer()).get('/docs-json');
  if (res.status !== 200) throw new Error(`GET /docs-json answered ${res.status}`);
  const doc = res.body as { paths: Record<string, Record<string, OpenApiOperation>> };
  const operations = new Map<string, OpenApiOperation>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      operations.set(`${method.toUpperCase()} ${path}`, operation);
    }
  }
  return operations;
}

export interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
}

/** The JSON schema of an operation's request body, when it declares one. */
export function bodySchemaOf(operation: OpenApiOperation): JsonSchema | undefined {
  return operation.requestBody?.content?.['application/json']?.schema;
}

/**
 * One fingerprint per table of the public schema: its row count and a hash
 * over every row's text form, so "nothing changed" means byte-identical rows.
 * One statement for all tables, so a test can afford it around every call.
 */
export async function tableFingerprints(db: Queryable): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const { rows } = await db.query<{ name: string; n: number; h: string }>(
    tables
      .map(
        ({ name }) =>
          `SELECT '${name}' AS name, count(*)::int AS n,
             md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS h FROM "${name}" t`,
      )
      .join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [r.name, `${r.n} rows, ${r.h}`]));
}

export interface RawResponse {
  /** Undefined when the server closed the connection without answering. */
  status?: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  path: string;
  /** In order, duplicates allowed; a Buffer value is sent byte for byte (non-ASCII, control bytes). */
  headers?: [string, string | Buffer][];
  body?: Buffer | string;
  /** Sent instead of the body's real length; `null` sends no Content-Length at all. */
  contentLength?: number | null;
  /** Half-close after writing (a client that gives up before the promised bytes). */
  endAfterWrite?: boolean;
  timeoutMs?: number;
}

/**
 * One HTTP/1.1 exchange over a plain socket, so a test can send what an HTTP
 * client library refuses to: duplicate credentials, raw bytes in header
 * values, a Content-Length that lies. Reads until the server closes
 * (`Connection: close`) or `timeoutMs` passes (an event stream that opened).
 */
export function rawHttp(port: number, req: RawRequest): Promise<RawResponse> {
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  const lines: Buffer[] = [
    Buffer.from(`${req.method} ${req.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`),
  ];
  for (const [name, value] of req.headers ?? []) {
    lines.push(Buffer.concat([Buffer.from(`${name}: `), Buffer.isBuffer(value) ? value : Buffer.from(value), CRLF]));
  }
  const length = req.contentLength === undefined ? body?.length : req.contentLength;
  if (length !== null && length !== undefined) lines.push(Buffer.from(`Content-Length: ${length}\r\n`));
  lines.push(CRLF);
  if (body) lines.push(body);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connectTcp({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => socket.destroy(), req.timeoutMs ?? 5_000);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      // An event stream that opened never ends by itself: its status line and headers are the answer.
      const head = Buffer.concat(chunks);
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0 && /content-type: text\/event-stream/i.test(head.subarray(0, end).toString('latin1')))
        socket.destroy();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A server that answers and closes while the client is still writing resets the socket.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') {
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks)));
    });
    socket.write(Buffer.concat(lines), () => {
      if (req.endAfterWrite) socket.end();
    });
  });
}

const CRLF = Buffer.from('\r\n');

function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { headers: {}, body: raw.toString('utf8') };
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** JSON nested `depth` levels deep: `{"a":{"a":…}}`. */
export function deepJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A value of another JSON type than `value`. */
export function wrongTypeFor(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return 'true';
  if (Array.isArray(value)) return { not: 'an array' };
  return ['not', 'an', 'object'];
}
