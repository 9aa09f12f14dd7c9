import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { GatewayModule } from '../../../apps/gateway/src/gateway.module';
import { setUpGateway } from '../../../apps/gateway/src/gateway.setup';
import { TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';

/** Boots the gateway in this process the way main.ts does, on the test env's database and namespace. */
export async function bootGateway(t: TestEnv, overrides: Record<string, string> = {}): Promise<INestApplication> {
  const config = t.config('gateway', overrides);
  const moduleRef = await Test.createTestingModule({ imports: [GatewayModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
  setUpGateway(app, config);
  await app.init();
  return app;
}

export interface MintedKey {
  apiKey: string;
  keyId: string;
}

export async function mintClient(app: INestApplication, name = 'client'): Promise<MintedKey & { clientId: string }> {
  const res = await request(app.getHttpServer())
    .post('/v1/admin/clients')
    .set('x-admin-key', TEST_ADMIN_KEY)
    .send({ name });
  if (res.status !== 201) throw new Error(`minting a client failed: ${res.status} ${res.text}`);
  return { apiKey: res.body.apiKey, keyId: res.body.keyId, clientId: res.body.client.id };
}

export async function mintAgent(
  app: INestApplication,
  id: string,
  extra: Record<string, unknown> = {},
): Promise<MintedKey> {
  const res = await request(app.getHttpServer())
    .post('/v1/admin/agents')
    .set('x-admin-key', TEST_ADMIN_KEY)
    .send({ id, ...extra });
  if (res.status !== 201) throw new Error(`minting agent ${id} failed: ${res.status} ${res.text}`);
  return { apiKey: res.body.apiKey, keyId: res.body.keyId };
}

export const PROBLEM_JSON = /^application\/problem\+json/;
