import { describe, expect, it } from '@jest/globals';
import { describeType, type OpenApiDocument, type OpenApiSchema, renderApiReference } from './api-reference';

describe(describeType.name, () => {
  const cases: { name: string; schema: OpenApiSchema | undefined; expected: string }[] = [
    { name: 'no schema', schema: undefined, expected: 'any' },
    { name: 'a reference names its component', schema: { $ref: '#/components/schemas/Backoff' }, expected: 'Backoff' },
    { name: 'a string with a format', schema: { type: 'string', format: 'uuid' }, expected: 'string (uuid)' },
    { name: 'an enum', schema: { type: 'string', enum: ['async', 'sync'] }, expected: '"async" | "sync"' },
    { name: 'a constant', schema: { const: 'pool' }, expected: '"pool"' },
    { name: 'an integer range', schema: { type: 'integer', minimum: 1, maximum: 100 }, expected: 'integer 1–100' },
    { name: 'a lower bound only', schema: { type: 'integer', minimum: 0 }, expected: 'integer ≥ 0' },
    { name: 'a length bound', schema: { type: 'string', maxLength: 200 }, expected: 'string ≤ 200 chars' },
    { name: 'an array of references', schema: { type: 'array', items: { $ref: '#/x/Agent' } }, expected: 'Agent[]' },
    { name: 'a nullable type list', schema: { type: ['string', 'null'] }, expected: 'string | null' },
    { name: 'OpenAPI 3.0 nullable', schema: { type: 'string', nullable: true }, expected: 'string | null' },
    {
      name: 'alternatives',
      schema: { anyOf: [{ type: 'object' }, { type: 'string' }] },
      expected: 'object | string',
    },
    { name: 'an empty schema is any JSON', schema: {}, expected: 'any' },
    { name: 'a refused field', schema: { not: {} }, expected: 'not allowed' },
    {
      name: 'an inline object lists its keys, optional ones marked',
      schema: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' }, jitter: {} } },
      expected: '{ kind, jitter? }',
    },
    {
      name: 'alternatives of inline objects',
      schema: {
        anyOf: [
          { type: 'object', required: ['agent'], properties: { agent: { type: 'string' } } },
          { type: 'object', required: ['pool'], properties: { pool: { type: 'string' } } },
        ],
      },
      expected: '{ agent } | { pool }',
    },
  ];
  it.each(cases)('$name', ({ schema, expected }) => {
    expect(describeType(schema)).toBe(expected);
  });
});

describe(renderApiReference.name, () => {
  const doc: OpenApiDocument = {
    info: { title: 'Switchyard', version: '1' },
    paths: {
      '/v1/commands/{id}': {
        get: {
          summary: 'Read a command',
          tags: ['commands'],
          security: [{ bearer: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '200': { description: 'The command' }, '404': { description: 'No such | command' } },
        },
      },
      '/v1/commands': {
        post: {
          tags: ['commands'],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Submit' } } },
          },
          responses: { '202': { description: 'Accepted' } },
        },
      },
      '/health/live': { get: { responses: { '200': { description: 'Alive' } } } },
      '/v1/admin/keys/{id}': {
        delete: {
          parameters: [{ name: 'x-admin-key', in: 'header', required: true, schema: { type: 'string' } }],
          responses: { '204': { description: 'Revoked' } },
        },
      },
    },
    components: {
      schemas: {
        Submit: {
          type: 'object',
          required: ['type'],
          properties: {
            type: { type: 'string', description: 'What to do', pattern: '^[a-z]+$' },
            mode: { enum: ['async'], default: 'async' },
            backoff: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' } } },
            at: { type: 'string', format: 'date-time', pattern: '^\\d{4}-.*$' },
          },
        },
      },
    },
  };
  const text = renderApiReference(doc);

  it('groups operations by tag, untagged last, and counts them', () => {
    expect(text).toContain('Switchyard 1: 4 operations.');
    expect(text.indexOf('## commands')).toBeLessThan(text.indexOf('## other'));
    expect(text).toContain('- [commands](#commands)');
  });

  it('renders parameters, auth and answers, escaping table cells', () => {
    expect(text).toContain('### `GET /v1/commands/{id}`');
    expect(text).toContain('Auth: `bearer` (API key)');
    expect(text).toContain('| `id` | path | string (uuid) | yes |  |');
    expect(text).toContain('| 404 |  | No such \\| command |');
  });

  it('names the admin key where a route takes it, and says none where nothing is asked', () => {
    expect(text).toContain('Auth: admin key (`x-admin-key` header)');
    expect(text).toMatch(/### `GET \/health\/live`\n\nAuth: none/);
  });

  it('renders a referenced body as a field table with required fields and defaults', () => {
    expect(text).toContain('Request body (`application/json`, required):');
    expect(text).toContain('| `type` | string | yes | What to do; pattern `^[a-z]+$` |');
    expect(text).toContain('| `backoff` | { kind } |  |  |');
    expect(text).toContain('| `backoff.kind` | string | yes |  |');
    expect(text).toContain('| `mode` | "async" |  | default "async" |');
    // A format says it better than the pattern that implements it.
    expect(text).toContain('| `at` | string (date-time) |  |  |');
  });

  it('is stable: the same document gives the same text', () => {
    expect(renderApiReference(doc)).toBe(text);
  });
});
