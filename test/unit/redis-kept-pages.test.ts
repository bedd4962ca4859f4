import { describe, expect, it } from 'vitest';
import { type Redis, RedisUnavailableError, type SharedRedis } from '../../src/lib/redis.ts';
import { deriveKey } from '../../src/lib/secrets.ts';
import { createRedisKeptPages } from '../../src/pagination/redis-kept-pages.ts';
import type { UpstreamPage } from '../../src/partner/page.ts';

/** The two commands the store sends, on a Map; `down` makes every command fail as a down Redis does. */
function fakeRedis() {
  const entries = new Map<string, { value: string; px: number }>();
  const failures: string[] = [];
  const state = { down: false };
  const client = {
    set: async (name: string, value: string, _px: 'PX', ttl: number) => {
      entries.set(name, { value, px: ttl });
      return 'OK';
    },
    getdel: async (name: string) => {
      const entry = entries.get(name);
      entries.delete(name);
      return entry?.value ?? null;
    },
  };
  const redis: SharedRedis = {
    prefix: 'pg:',
    state: () => (state.down ? 'down' : 'up'),
    async run(feature, command) {
      if (state.down) {
        failures.push(feature);
        throw new RedisUnavailableError('test');
      }
      return command(client as unknown as Redis);
    },
    close: async () => {},
  };
  return { redis, entries, failures, state };
}

const sealKey = deriveKey('kept-pages-unit-test-secret-0123456789', 'kept-page-seal v1');
const alice = { callerKey: 'alice-key', token: 'alice.jwt.token' };
const page: UpstreamPage<unknown> = {
  records: [{ id: 'inv-1', amount: '12.50', extra: { note: 'x' } }],
  next: 'eyJjcmVhdGVkIjoiMjAyNC0wMy0wMVQwMTozNjowOC4zMjVaIn0=',
  total: null,
};

function store(maxBytes = 1_000_000, ttlMs = 30_000) {
  const fake = fakeRedis();
  return { ...fake, kept: createRedisKeptPages({ redis: fake.redis, sealKey, ttlMs, maxBytes }) };
}

describe('createRedisKeptPages', () => {
  it('gives a kept page back once, equal to what was kept, under a key of the caller key alone', async () => {
    const { kept, entries } = store();
    await kept.keep(alice, 'invoices||["t",21,20]', page);
    const [name, entry] = [...entries][0] ?? [];
    expect(name).toMatch(/^pg:kept-page:alice-key:[A-Za-z0-9_-]{43}$/);
    expect(entry?.px).toBe(30_000);
    expect(await kept.take(alice, 'invoices||["t",21,20]')).toEqual(page);
    expect(await kept.take(alice, 'invoices||["t",21,20]')).toBeUndefined();
  });

  it('stores neither the token, nor a record, nor the upstream token readably', async () => {
    const { kept, entries } = store();
    await kept.keep(alice, `invoices||["${page.next}",21,20]`, page);
    for (const [name, { value }] of entries) {
      for (const secret of [alice.token, 'inv-1', '12.50', page.next ?? '', 'eyJ']) {
        expect(`${name} ${value}`).not.toContain(secret);
      }
    }
  });

  it('opens nothing with another token, even under the same caller key', async () => {
    const { kept } = store();
    await kept.keep(alice, 'k', page);
    expect(await kept.take({ ...alice, token: 'mallory.jwt.token' }, 'k')).toBeUndefined();
  });

  it('treats a tampered or moved entry as absent', async () => {
    const { kept, entries } = store();
    await kept.keep(alice, 'a', page);
    await kept.keep(alice, 'b', page);
    const [[nameA, a], [nameB]] = [...entries] as [[string, { value: string; px: number }], [string, unknown]];
    entries.set(nameB, a); // a's sealed value under b's name
    const flipped = a.value.slice(0, -2) + (a.value.at(-2) === 'A' ? 'B' : 'A') + a.value.at(-1);
    entries.set(nameA, { ...a, value: flipped });
    expect(await kept.take(alice, 'a')).toBeUndefined();
    expect(await kept.take(alice, 'b')).toBeUndefined();
  });

  it('refuses to keep a page whose sealed form passes maxBytes', async () => {
    const big: UpstreamPage<unknown> = { ...page, records: Array.from({ length: 50 }, (_, i) => ({ id: `r${i}` })) };
    const { kept, entries } = store(512);
    await kept.keep(alice, 'small', page);
    await kept.keep(alice, 'big', big);
    expect(entries.size).toBe(1);
    expect(await kept.take(alice, 'big')).toBeUndefined();
  });

  it('keeps nothing for a caller without a token, or with ttl 0', async () => {
    const { kept, entries } = store();
    await kept.keep({ callerKey: 'anonymous', token: null }, 'k', page);
    const noTtl = store(1_000_000, 0);
    await noTtl.kept.keep(alice, 'k', page);
    expect(entries.size + noTtl.entries.size).toBe(0);
  });

  it('never fails while Redis is down: nothing kept, nothing found, each failure reported', async () => {
    const { kept, state, failures } = store();
    await kept.keep(alice, 'k', page);
    state.down = true;
    await expect(kept.keep(alice, 'j', page)).resolves.toBeUndefined();
    await expect(kept.take(alice, 'k')).resolves.toBeUndefined();
    expect(failures).toEqual(['kept_pages', 'kept_pages']);
  });
});
