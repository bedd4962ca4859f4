import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../../src/lib/secrets.ts';
import {
  type CustomerDirectory,
  CustomerLookupLimitError,
  createCustomerDirectory,
  type DirectoryStore,
} from '../../src/pagination/directory/index.ts';
import { createMemoryDirectoryStore } from '../../src/pagination/directory/memory-store.ts';
import { createRedisDirectoryStore } from '../../src/pagination/directory/redis-store.ts';
import type { Customer } from '../../src/partner/customers.ts';
import { PartnerError } from '../../src/partner/errors.ts';
import type { UpstreamPage } from '../../src/partner/page.ts';

const PAGE = 40;
const KEY = deriveKey('unit-test-secret-of-at-least-32-characters', 'customer-directory-seal v1');

function customer(i: number): Customer {
  return {
    id: `cus-${String(i).padStart(6, '0')}`,
    name: `Customer ${i}`,
    firstName: null,
    lastName: null,
    email: `c${i}@example.com`,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: null,
    extra: {},
  };
}

/** An upstream of `count` customers, newest first, in pages of 40 with tokens `p1`, `p2`, … */
function upstream(count: number) {
  const all = Array.from({ length: count }, (_, i) => customer(i));
  const reads: (string | null)[] = [];
  const readPage = async (token: string | null): Promise<UpstreamPage<Customer>> => {
    reads.push(token);
    const page = token === null ? 0 : Number(token.slice(1));
    const records = all.slice(page * PAGE, (page + 1) * PAGE);
    return { records, next: (page + 1) * PAGE < count ? `p${page + 1}` : null, total: count };
  };
  return { all, reads, readPage };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

function directory(options: { store?: DirectoryStore; allowance?: number; ttlMs?: number; now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  return createCustomerDirectory({
    store: options.store ?? createMemoryDirectoryStore({ maxCustomers: 100_000, now }),
    key: KEY,
    ttlMs: options.ttlMs ?? 60_000,
    allowance: options.allowance ?? 15,
    now,
  });
}

const lookup = (dir: CustomerDirectory, up: ReturnType<typeof upstream>, caller = 'caller-a') =>
  dir.lookup({ callerKey: caller, token: `token-of-${caller}`, readPage: up.readPage });

const settle = (promises: Promise<Customer | null>[]) =>
  Promise.allSettled(promises).then((all) =>
    all.map((r) => (r.status === 'fulfilled' ? (r.value?.id ?? null) : (r.reason as Error))),
  );

describe('the customer directory', () => {
  it('walks newest first and stops at the page holding the last wanted id', async () => {
    const up = upstream(300);
    const ops = lookup(directory(), up);
    const found = await Promise.all([ops.load('cus-000003'), ops.load('cus-000085')]);
    expect(found.map((c) => c?.id)).toEqual(['cus-000003', 'cus-000085']);
    expect(up.reads).toEqual([null, 'p1', 'p2']);
  });

  it('collects the ids of one tick into one walk', async () => {
    const up = upstream(300);
    const ops = lookup(directory(), up);
    await Promise.all(up.all.slice(0, 120).map((c) => ops.load(c.id)));
    expect(up.reads).toEqual([null, 'p1', 'p2']);
  });

  it('serves a later operation from what was read, and resumes the walk where it stopped', async () => {
    const up = upstream(300);
    const dir = directory();
    await lookup(dir, up).load('cus-000010');
    expect(up.reads).toEqual([null]);
    expect((await lookup(dir, up).load('cus-000020'))?.id).toBe('cus-000020');
    expect(up.reads).toEqual([null]);
    await lookup(dir, up).load('cus-000100');
    expect(up.reads).toEqual([null, 'p1', 'p2']);
  });

  it('answers null once the walk is complete, with no further call', async () => {
    const up = upstream(100);
    const dir = directory();
    expect(await lookup(dir, up).load('cus-999999')).toBeNull();
    expect(up.reads).toEqual([null, 'p1', 'p2']);
    expect(await lookup(dir, up).load('cus-888888')).toBeNull();
    expect(up.reads).toHaveLength(3);
  });

  it('spends at most the allowance per operation; what it did not meet fails with CustomerLookupLimitError', async () => {
    const up = upstream(1_000);
    const ops = lookup(directory({ allowance: 2 }), up);
    const results = await settle([ops.load('cus-000001'), ops.load('cus-000079'), ops.load('cus-000080')]);
    expect(results.slice(0, 2)).toEqual(['cus-000001', 'cus-000079']);
    expect(results[2]).toBeInstanceOf(CustomerLookupLimitError);
    expect(up.reads).toHaveLength(2);
    // Another batch of the same operation has nothing left to spend.
    const later = await settle([ops.load('cus-000500')]);
    expect(later[0]).toBeInstanceOf(CustomerLookupLimitError);
    expect(up.reads).toHaveLength(2);
  });

  it('reports an upstream failure to the ids still unresolved, keeping those already met', async () => {
    const up = upstream(300);
    const failing = async (token: string | null) => {
      if (token === 'p1') throw new PartnerError('UPSTREAM_UNAVAILABLE', 'down');
      return up.readPage(token);
    };
    const ops = createCustomerDirectory({
      store: createMemoryDirectoryStore({ maxCustomers: 1_000 }),
      key: KEY,
      ttlMs: 60_000,
      allowance: 15,
    }).lookup({ callerKey: 'c', token: 't', readPage: failing });
    const results = await settle([ops.load('cus-000001'), ops.load('cus-000050')]);
    expect(results[0]).toBe('cus-000001');
    expect(results[1]).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('lets concurrent operations of one caller share a walk', async () => {
    const up = upstream(300);
    const dir = directory();
    const ids = ['cus-000001', 'cus-000150'];
    await Promise.all([lookup(dir, up), lookup(dir, up), lookup(dir, up)].flatMap((ops) => ids.map(ops.load)));
    expect(up.reads).toEqual([null, 'p1', 'p2', 'p3']);
  });

  it('keeps callers apart', async () => {
    const up = upstream(100);
    const dir = directory();
    await lookup(dir, up, 'caller-a').load('cus-000001');
    await lookup(dir, up, 'caller-b').load('cus-000001');
    expect(up.reads).toEqual([null, null]);
  });

  it('forgets what a walk read once the TTL has passed since its first page', async () => {
    const up = upstream(300);
    const c = clock();
    const dir = directory({ ttlMs: 1_000, now: c.now });
    await lookup(dir, up).load('cus-000001');
    c.advance(999);
    await lookup(dir, up).load('cus-000050'); // resumes, within the TTL
    c.advance(1);
    await lookup(dir, up).load('cus-000001'); // starts over
    expect(up.reads).toEqual([null, 'p1', null]);
  });

  it('refuses a page token that leads back to itself', async () => {
    const looping = async (token: string | null) => ({ records: [], next: token ?? 'same', total: null });
    const ops = directory().lookup({ callerKey: 'c', token: 't', readPage: looping });
    const [result] = await settle([ops.load('cus-000001')]);
    expect(result).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });
});

describe('the memory directory store', () => {
  it('keeps nothing more of a walk whose first pages were evicted, so it never looks complete with holes', async () => {
    const up = upstream(300);
    const dir = directory({ store: createMemoryDirectoryStore({ maxCustomers: 100 }) });
    await lookup(dir, up).load('cus-000150'); // four pages: more than the store holds
    expect((await lookup(dir, up).load('cus-000001'))?.id).toBe('cus-000001');
  });

  it('forgets the least recently extended caller first when full', async () => {
    const store = createMemoryDirectoryStore({ maxCustomers: 100 });
    const up = upstream(300);
    const dir = directory({ store });
    await lookup(dir, up, 'a').load('cus-000060'); // 80 customers kept for a
    await lookup(dir, up, 'b').load('cus-000001'); // 40 for b: a's entry goes
    await lookup(dir, up, 'a').load('cus-000001');
    expect(up.reads).toEqual([null, 'p1', null, null]);
  });
});

describe('the Redis directory store', () => {
  const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const PREFIX = `pg-test:directory:${randomUUID()}:`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const store = createRedisDirectoryStore({ client: redis, prefix: PREFIX, claimMs: 1_000 });
  afterAll(async () => {
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('is opened only with the token that wrote it, even under the same caller key', async () => {
    const up = upstream(100);
    const dir = directory({ store });
    await dir.lookup({ callerKey: 'k', token: 'token-1', readPage: up.readPage }).load('cus-000001');
    await dir.lookup({ callerKey: 'k', token: 'token-1', readPage: up.readPage }).load('cus-000002');
    expect(up.reads).toEqual([null]);
    await dir.lookup({ callerKey: 'k', token: 'token-2', readPage: up.readPage }).load('cus-000002');
    expect(up.reads).toEqual([null, null]);
  });

  it('grants a caller’s walk to one holder at a time, until released or expired', async () => {
    const owner = { callerKey: 'claims', sealKey: KEY, nameKey: KEY };
    const first = await store.claim(owner);
    expect(first).not.toBeNull();
    expect(await store.claim(owner)).toBeNull();
    await first?.release();
    const second = await store.claim(owner);
    expect(second).not.toBeNull();
    await second?.release();
  });

  it('expires everything a walk wrote at its expiresAt', async () => {
    const owner = { callerKey: 'expiry', sealKey: KEY, nameKey: KEY };
    const expiresAt = Date.now() + 60_000;
    await store.append(owner, [customer(1)], { next: 'p1', complete: false, pages: 1, expiresAt });
    const keys = await redis.keys(`${PREFIX}customer-directory:v1:expiry*`);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(await redis.pexpiretime(key)).toBe(expiresAt);
  });
});
