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
