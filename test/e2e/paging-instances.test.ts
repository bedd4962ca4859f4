import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/redis-server.ts';
import type { ListEndpoint } from '../support/rest.ts';
import { type Stack, startStack } from '../support/stack.ts';
import { fetchPage, type WalkedPage } from '../support/walk.ts';

/** Two instances behind a round-robin balancer: one upstream, one Redis of this test's own, one secret. */
const SECRET = 'paging-instances-secret-of-at-least-32-chars';
const RECORDS = 200;
const KEPT_PAGE_TTL_MS = 30_000;

let redis: PrivateRedis;
let sandbox: Sandbox;
let one: Stack;
let two: Stack;
let single: Stack;

beforeAll(async () => {
  redis = await startPrivateRedis();
  // The upstream hands out a token after the last full page: the case that needs a look-ahead page.
  sandbox = await startSandbox({ port: 0, invoices: RECORDS, subscriptions: RECORDS, trailingTokens: true });
  const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'pg:', SERVER_SECRET: SECRET };
  [one, two, single] = await Promise.all([
    startStack({ upstream: sandbox, env }),
    startStack({ upstream: sandbox, env }),
    startStack({ upstream: sandbox, env: { SERVER_SECRET: SECRET } }),
  ]);
});

afterAll(async () => {
  await Promise.all([one, two, single].map((stack) => stack?.close()));
  await sandbox?.close();
  await redis?.close();
});

interface Walk {
  pages: WalkedPage[];
  /** Upstream calls each page request made. */
  callsPerPage: number[];
}

/** Pages to the end, request i going to instances[i % n], as a round-robin balancer would send them. */
async function walk(instances: Stack[], connection: ListEndpoint, first: number): Promise<Walk> {
  const pages: WalkedPage[] = [];
  const callsPerPage: number[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const before = sandbox.calls.count();
    const page = await fetchPage(instances[i % instances.length] as Stack, connection, { first, after });
    callsPerPage.push(sandbox.calls.count() - before);
    pages.push(page);
    if (!page.hasNextPage) return { pages, callsPerPage };
    after = page.endCursor;
  }
  throw new Error('walk did not end');
}

describe('kept pages shared through Redis', () => {
  it.each([
    ['invoices', 20, 10],
    ['invoices', 50, 4],
    ['subscriptions', 20, 10],
    ['subscriptions', 50, 4],
  ] as const)(
    'a walk of %s with first: %i across two instances costs what it costs on one (%i calls, one per page)',
    async (connection, first, calls) => {
      const alone = await walk([single], connection, first);
      const across = await walk([one, two], connection, first);
      expect(across.pages.flatMap((p) => p.ids)).toEqual(alone.pages.flatMap((p) => p.ids));
      expect(new Set(across.pages.flatMap((p) => p.ids)).size).toBe(RECORDS);
      expect(alone.callsPerPage).toEqual(Array.from({ length: calls }, () => 1));
      expect(across.callsPerPage).toEqual(alone.callsPerPage);
    },
  );

  it('serves a kept page to one request only, across instances (atomic take)', async () => {
    const first = await fetchPage(one, 'invoices', { first: 50 });
    sandbox.calls.clear();
    const [a, b] = await Promise.all([
      fetchPage(one, 'invoices', { first: 50, after: first.endCursor }),
      fetchPage(two, 'invoices', { first: 50, after: first.endCursor }),
    ]);
    expect(a.ids).toEqual(b.ids);
    // One request took the kept page and fetched the next; the other had to fetch both.
    expect(sandbox.calls.count()).toBe(3);
  });

  it('holds no token, no record and no upstream token in readable form, each entry living KEPT_PAGE_TTL_MS', async () => {
    await fetchPage(one, 'invoices', { first: 20 });
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('pg:kept-page:*');
      expect(keys.length).toBeGreaterThan(0);
      const org = sandbox.organisations[0];
      const secrets = [
        one.orgA.token,
        ...one.orgA.token.split('.'),
        ...(org?.invoices.slice(0, 60) ?? []).map((i) => i.id),
      ];
      for (const key of keys) {
        const value = (await client.get(key)) ?? '';
        for (const secret of secrets) expect(`${key} ${value}`).not.toContain(secret);
        expect(key).not.toMatch(/eyJ/); // no upstream page token (base64 JSON) in a key name
        const ttl = await client.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(KEPT_PAGE_TTL_MS);
      }
    } finally {
      await client.quit();
    }
  });
});
