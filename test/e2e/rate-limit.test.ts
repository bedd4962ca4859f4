import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

const QUERY = '{ invoices(first: 1) { nodes { id } } }';
// One operation a minute refilled, two at once: the third request inside a test is always refused.
const TIGHT = { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '2' };
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface ErrorBody {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function post(
  stack: Stack,
  token: string | null,
  body: unknown,
): Promise<{ status: number; retryAfter: string | null; body: ErrorBody }> {
  const res = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as ErrorBody };
}

function expectRateLimited(answer: Awaited<ReturnType<typeof post>>): void {
  expect(answer.status).toBe(429);
  const error = answer.body.errors?.[0];
  expect(error?.extensions?.['code']).toBe('RATE_LIMITED');
  const retryAfter = error?.extensions?.['retryAfter'];
  expect(typeof retryAfter).toBe('number');
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(answer.retryAfter).toBe(String(retryAfter));
  expect(error?.extensions?.['http']).toBeUndefined();
}

describe('the per-caller rate limit in one process', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: TIGHT });
  });
  afterAll(() => stack.close());

  it('refuses a caller past the burst with 429 and Retry-After, before any upstream call, and leaves other callers alone', async () => {
    for (let i = 0; i < 2; i++) expect((await post(stack, stack.orgA.token, { query: QUERY })).status).toBe(200);
    stack.sandbox.calls.clear();

    const refused = await post(stack, stack.orgA.token, { query: QUERY });
    expectRateLimited(refused);
    expect(refused.body.errors?.[0]?.message).not.toContain(stack.orgA.token);
    expect(stack.sandbox.calls.count()).toBe(0);

    const other = await post(stack, stack.orgB.token, { query: QUERY });
    expect(other.status).toBe(200);
    expect(stack.sandbox.calls.count({ organisation: stack.orgB.name })).toBeGreaterThan(0);
  });

  it('does not charge requests without a token: they stay UNAUTHENTICATED (401), not 429', async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await post(stack, null, { query: QUERY });
      expect(answer.status).toBe(401);
      expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    }
  });

  it('charges a batch one token per operation', async () => {
    const token = stack.sandbox.organisations[2]?.token;
    if (!token) throw new Error('the sandbox needs a third organisation');
    const batch = await post(stack, token, [{ query: QUERY }, { query: QUERY }]);
    expect(batch.status).toBe(200);
    expectRateLimited(await post(stack, token, { query: QUERY }));
  });
});

describe('the per-caller rate limit shared through Redis', () => {
  const prefix = `pg-test-${randomUUID()}:`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let one: Stack;
  let two: Stack;
  beforeAll(async () => {
    const env = { ...TIGHT, REDIS_URL, REDIS_KEY_PREFIX: prefix };
    [one, two] = await Promise.all([startStack({ env }), startStack({ env })]);
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('limits caller A on instance 2 after A spent the burst on instance 1; caller B is not limited', async () => {
    for (let i = 0; i < 2; i++) expect((await post(one, one.orgA.token, { query: QUERY })).status).toBe(200);
    two.sandbox.calls.clear();

    expectRateLimited(await post(two, one.orgA.token, { query: QUERY }));
    expect(two.sandbox.calls.count()).toBe(0);

    expect((await post(two, one.orgB.token, { query: QUERY })).status).toBe(200);
    expect((await post(one, one.orgB.token, { query: QUERY })).status).toBe(200);
  });

  it('keys buckets by a hash of the token under the configured prefix, never the token', async () => {
    const keys = await redis.keys(`${prefix}rate:*`);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key).not.toContain(one.orgA.token);
      expect(key).not.toContain(one.orgB.token);
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    }
  });
});
