import { TEST_ADMIN_KEY } from './test-env';

/** JSON over fetch against a running gateway. */
export async function api<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { key?: string; admin?: boolean; body?: unknown } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.admin ? { 'x-admin-key': TEST_ADMIN_KEY } : {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export async function mintClientKey(baseUrl: string, name = 'e2e'): Promise<string> {
  const res = await api<{ apiKey: string }>(baseUrl, 'POST', '/v1/admin/clients', { admin: true, body: { name } });
  if (res.status !== 201) throw new Error(`minting a client key failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.apiKey;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

/**
 * POST /v1/commands as a client behind a balancer would: to `preferred` first
 * (when given), else to the running gateways in turn; a refused connection or
 * a 5xx (a draining gateway answers 503) is tried again on the next one with
 * the same body, so its idempotency key makes the retry safe. Resolves with
 * the id of the accepted command (202, or 200 for a replay); a 4xx throws.
 */
export async function submitThroughAnyGateway(
  gatewayUrls: () => string[],
  apiKey: string,
  body: { idempotencyKey: string } & Record<string, unknown>,
  preferred?: string,
): Promise<string> {
  const key = body.idempotencyKey;
  for (let tries = 0; tries < 100; tries += 1) {
    const urls = gatewayUrls();
    const url = tries === 0 && preferred ? preferred : urls[tries % urls.length];
    const res = await fetch(`${url}/v1/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(body),
    }).catch(() => undefined);
    if (res && (res.status === 202 || res.status === 200)) return ((await res.json()) as { id: string }).id;
    const text = await res?.text();
    if (res && res.status < 500) throw new Error(`submit ${key}: ${res.status} ${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`submit ${key}: no gateway accepted it`);
}
