import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { type OpenApiDocument, renderApiReference } from '../../../apps/gateway/src/openapi/api-reference';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { bootGateway } from './in-process-gateway';

const REFERENCE = path.resolve('docs/http-api.md');
const DOCUMENT = path.resolve('docs/openapi.json');
const REGENERATE = 'UPDATE_DOCS=1 npm test -- --testPathPatterns api-docs';

/**
 * docs/http-api.md and docs/openapi.json are generated from the OpenAPI
 * document the running gateway serves; this keeps them in step with it. With
 * UPDATE_DOCS=1 it writes them instead of comparing.
 */
describe('the HTTP API reference in docs/', () => {
  let t: TestEnv;
  let gateway: INestApplication;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await createTestEnv();
    gateway = await bootGateway(t);
    const res = await request(gateway.getHttpServer()).get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body as OpenApiDocument;
    if (process.env.UPDATE_DOCS === '1') {
      writeFileSync(DOCUMENT, `${JSON.stringify(document, null, 2)}\n`);
      writeFileSync(REFERENCE, renderApiReference(document));
    }
  });

  afterAll(async () => {
    await gateway?.close();
    await t?.teardown();
  });

  it(`docs/openapi.json is the document the gateway serves (regenerate: ${REGENERATE})`, () => {
    expect(existsSync(DOCUMENT)).toBe(true);
    expect(JSON.parse(readFileSync(DOCUMENT, 'utf8'))).toEqual(document);
  });

  it(`docs/http-api.md is rendered from it (regenerate: ${REGENERATE})`, () => {
    expect(existsSync(REFERENCE)).toBe(true);
    expect(readFileSync(REFERENCE, 'utf8')).toBe(renderApiReference(document));
  });

  it('lists every operation of the document', () => {
    const reference = readFileSync(REFERENCE, 'utf8');
    for (const [route, methods] of Object.entries(document.paths)) {
      for (const method of Object.keys(methods)) {
        expect(reference).toContain(`### \`${method.toUpperCase()} ${route}\``);
      }
    }
  });
});
