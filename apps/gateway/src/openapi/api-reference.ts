/**
 * Renders the gateway's OpenAPI document as the Markdown reference in
 * docs/http-api.md: one section per tag, one entry per operation with its
 * parameters, body fields and answers. Pure: the document in, the text out
 * (test/integration/gateway/api-docs.int-spec.ts keeps the file in step with
 * the running gateway).
 */

export interface OpenApiSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  anyOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  allOf?: OpenApiSchema[];
  additionalProperties?: boolean | OpenApiSchema;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  not?: OpenApiSchema;
}

interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: OpenApiSchema;
}

interface OpenApiResponse {
  description?: string;
  content?: Record<string, { schema?: OpenApiSchema }>;
}

export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: OpenApiSchema }> };
  responses?: Record<string, OpenApiResponse>;
}

export interface OpenApiDocument {
  info?: { title?: string; version?: string; description?: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema>; securitySchemes?: Record<string, unknown> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const UNTAGGED = 'other';

/** `|` and line breaks would break a table cell. */
function cell(text: string | undefined): string {
  return (text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

function refName(ref: string): string {
  return ref.split('/').at(-1) ?? ref;
}

/** A schema's type in a few words: `string (uuid)`, `"async" \| "sync"`, `Backoff`, `integer 1–100`, `{ agent }`. */
export function describeType(schema: OpenApiSchema | undefined): string {
  if (!schema) return 'any';
  if (schema.$ref) return refName(schema.$ref);
  if (schema.not) return 'not allowed';
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map(describeType).join(' | ');
  if (schema.allOf) return schema.allOf.map(describeType).join(' & ');
  if (schema.type === undefined && !schema.properties) return 'any';
  if (schema.properties && (schema.type === undefined || schema.type === 'object')) {
    const required = new Set(schema.required ?? []);
    const keys = Object.keys(schema.properties).map((k) => (required.has(k) ? k : `${k}?`));
    return `{ ${keys.join(', ')} }`;
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'object'];
  const base = types
    .map((t) => (t === 'array' ? `${describeType(schema.items)}[]` : t))
    .concat(schema.nullable ? ['null'] : [])
    .join(' | ');
  const bounds = rangeOf(schema);
  return [base, schema.format ? `(${schema.format})` : '', bounds].filter(Boolean).join(' ');
}

function rangeOf(schema: OpenApiSchema): string {
  const [lo, hi] =
    schema.minimum !== undefined || schema.maximum !== undefined
      ? [schema.minimum, schema.maximum]
      : [schema.minLength, schema.maxLength];
  if (lo === undefined && hi === undefined) return '';
  const unit = schema.minLength !== undefined || schema.maxLength !== undefined ? ' chars' : '';
  if (lo !== undefined && hi !== undefined) return `${lo}–${hi}${unit}`;
  return lo !== undefined ? `≥ ${lo}${unit}` : `≤ ${hi}${unit}`;
}

/** The object a schema stands for, following one `$ref` into components. */
function resolve(doc: OpenApiDocument, schema: OpenApiSchema | undefined): OpenApiSchema | undefined {
  if (!schema?.$ref) return schema;
  return doc.components?.schemas?.[refName(schema.$ref)];
}

/** Rows for an object's fields; the fields of an inline object field follow as `parent.child`. */
function fieldRows(object: OpenApiSchema, prefix: string, depth: number): string[] {
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties ?? {}).flatMap(([name, s]) => {
    const notes = [
      s.description,
      s.pattern && !s.format ? `pattern \`${s.pattern}\`` : undefined,
      s.default !== undefined ? `default ${JSON.stringify(s.default)}` : undefined,
    ].filter(Boolean);
    const row = `| \`${prefix}${name}\` | ${cell(describeType(s))} | ${required.has(name) ? 'yes' : ''} | ${cell(notes.join('; '))} |`;
    const nested = s.properties && depth < 3 ? fieldRows(s, `${prefix}${name}.`, depth + 1) : [];
    return [row, ...nested];
  });
}

function fieldTable(doc: OpenApiDocument, schema: OpenApiSchema | undefined): string[] {
  const object = resolve(doc, schema);
  if (!object?.properties) return [`Body: \`${describeType(schema)}\``, ''];
  return ['| field | type | required | description |', '| --- | --- | --- | --- |', ...fieldRows(object, '', 1), ''];
}

/** Security schemes of the operation, and the admin key where a route takes it as a header. */
function authOf(operation: OpenApiOperation): string {
  const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s)).map((s) => `\`${s}\` (API key)`);
  if (operation.parameters?.some((p) => p.in === 'header' && p.name.toLowerCase() === 'x-admin-key')) {
    schemes.push('admin key (`x-admin-key` header)');
  }
  return schemes.length ? schemes.join(' or ') : 'none';
}

function renderOperation(doc: OpenApiDocument, method: string, path: string, op: OpenApiOperation): string[] {
  const lines = [`### \`${method.toUpperCase()} ${path}\``, ''];
  if (op.summary) lines.push(op.summary, '');
  if (op.description && op.description !== op.summary) lines.push(op.description, '');
  lines.push(`Auth: ${authOf(op)}`, '');
  if (op.parameters?.length) {
    lines.push(
      '| parameter | in | type | required | description |',
      '| --- | --- | --- | --- | --- |',
      ...op.parameters.map(
        (p) =>
          `| \`${p.name}\` | ${p.in} | ${cell(describeType(p.schema))} | ${p.required ? 'yes' : ''} | ${cell(p.description)} |`,
      ),
      '',
    );
  }
  const body = op.requestBody?.content;
  if (body) {
    for (const [mediaType, { schema }] of Object.entries(body)) {
      lines.push(`Request body (\`${mediaType}\`${op.requestBody?.required ? ', required' : ''}):`, '');
      lines.push(...fieldTable(doc, schema));
    }
  }
  const responses = Object.entries(op.responses ?? {});
  if (responses.length) {
    lines.push(
      '| answer | content | description |',
      '| --- | --- | --- |',
      ...responses.map(([code, r]) => {
        const content = Object.entries(r.content ?? {})
          .map(([type, { schema }]) => `\`${type}\`${schema ? ` ${cell(describeType(schema))}` : ''}`)
          .join(', ');
        return `| ${code} | ${content} | ${cell(r.description)} |`;
      }),
      '',
    );
  }
  return lines;
}

export function renderApiReference(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const paths = Object.keys(doc.paths).sort();
  for (const path of paths) {
    for (const method of METHODS) {
      const op = doc.paths[path][method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? UNTAGGED;
      byTag.set(tag, [...(byTag.get(tag) ?? []), ...renderOperation(doc, method, path, op)]);
    }
  }
  const tags = [...byTag.keys()].sort((a, b) => (a === UNTAGGED ? 1 : b === UNTAGGED ? -1 : a.localeCompare(b)));
  const count = Object.values(doc.paths).reduce((n, methods) => n + METHODS.filter((m) => methods[m]).length, 0);
  return [
    '# HTTP API reference',
    '',
    "<!-- Generated from the gateway's OpenAPI document by apps/gateway/src/openapi/api-reference.ts;",
    '     regenerate with `UPDATE_DOCS=1 npm test -- --testPathPatterns api-docs`. Do not edit by hand. -->',
    '',
    `${doc.info?.title ?? 'API'} ${doc.info?.version ?? ''}: ${count} operations. The same document is served by a`,
    'running gateway at `/docs` (and as JSON at `/docs-json`); [openapi.json](openapi.json) is a copy of it.',
    'Errors are `application/problem+json` with field details ([bad-input.md](bad-input.md)); keys and',
    'roles are explained in the [README](../README.md) and [agent-protocol.md](agent-protocol.md).',
    '',
    '## Contents',
    '',
    ...tags.map((t) => `- [${t}](#${t.toLowerCase().replace(/[^a-z0-9]+/g, '-')})`),
    '',
    ...tags.flatMap((t) => [`## ${t}`, '', ...(byTag.get(t) ?? [])]),
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()
    .concat('\n');
}
