import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';
import { bootGateway, mintAgent, mintClient } from './in-process-gateway';

/**
 * The gateway trusts a key it has looked up for API_KEY_CACHE_TTL_MS (an hour
 * here, so that only the cache can answer within the test). A key revoked or
 * rotated through this gateway stops working at once all the same, and the
 * cache never stands in for the secret check.
 */
describe('gateway API key cache', () => {
  let t: TestEnv;
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const list = (key: string) => http().get('/v1/commands').set('authorization', `Bearer ${key}`);

  beforeAll(async () => {
    t = await createTestEnv();
    app = await bootGateway(t, { API_KEY_CACHE_TTL_MS: '3600000' });
  });

  afterAll(async () => {
    await app.close();
    await t.teardown();
  });

  it('a cached client key revoked through the admin API is refused on the next request', async () => {
    const client = await mintClient(app, 'cache-revoked');
    expect((await list(client.apiKey)).status).toBe(200);
    const revoke = await http().delete(`/v1/admin/keys/${client.keyId}`).set('x-admin-key', TEST_ADMIN_KEY);
    expect(revoke.status).toBe(204);
    expect((await list(client.apiKey)).status).toBe(401);
  });

  it('a cached agent key is refused once a forced re-registration replaces it; the new key works', async () => {
    const old = await mintAgent(app, 'cache-rotated');
    expect((await list(old.apiKey)).status).toBe(200);
    const rotation = await http()
      .post('/v1/admin/agents')
      .set('x-admin-key', TEST_ADMIN_KEY)
      .send({ id: 'cache-rotated', force: true });
    expect(rotation.status).toBe(201);
    expect((await list(old.apiKey)).status).toBe(401);
    expect((await list(rotation.body.apiKey as string)).status).toBe(200);
  });

  it('a cached key id with a wrong secret is still refused', async () => {
    const client = await mintClient(app, 'cache-secret');
    expect((await list(client.apiKey)).status).toBe(200);
    const forged = `${client.apiKey.slice(0, client.apiKey.lastIndexOf('_') + 1)}${'A'.repeat(43)}`;
    expect((await list(forged)).status).toBe(401);
  });

  it("a key revoked behind the gateway's back (another replica) works until the TTL, then not", async () => {
    const short = await bootGateway(t, { API_KEY_CACHE_TTL_MS: '5000' });
    try {
      const client = await mintClient(app, 'cache-ttl');
      const get = () =>
        request(short.getHttpServer()).get('/v1/commands').set('authorization', `Bearer ${client.apiKey}`);
      expect((await get()).status).toBe(200);
      await t.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [client.keyId]);
      expect((await get()).status).toBe(200);
      await new Promise((r) => setTimeout(r, 5_100));
      expect((await get()).status).toBe(401);
    } finally {
      await short.close();
    }
  });
});
