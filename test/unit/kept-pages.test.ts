import { describe, expect, it } from 'vitest';
import { createKeptPages } from '../../src/pagination/kept-pages.ts';
import type { UpstreamPage } from '../../src/partner/page.ts';

function pageOf(...records: string[]): UpstreamPage<unknown> {
  return { records, next: null, total: null };
}

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const OWNER = { callerKey: 'caller', token: 'token' };

describe('createKeptPages', () => {
  it('returns a kept page once, then nothing', async () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 1_000, maxEntries: 10, now: c.now });
    const page = pageOf('a', 'b');
    await kept.keep(OWNER, 'caller|customers||["t",20]', page);
    expect(kept.size).toBe(1);
    expect(await kept.take(OWNER, 'caller|customers||["t",20]')).toBe(page);
    expect(kept.size).toBe(0);
    expect(await kept.take(OWNER, 'caller|customers||["t",20]')).toBeUndefined();
  });

  it('returns nothing for a key it was never given', async () => {
    const kept = createKeptPages({ ttlMs: 1_000, maxEntries: 10 });
    await kept.keep(OWNER, 'a', pageOf('x'));
    expect(await kept.take(OWNER, 'b')).toBeUndefined();
    expect(kept.size).toBe(1);
  });

  it('serves a page until just before the ttl and not at or after it', async () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 1_000, maxEntries: 10, now: c.now });
    await kept.keep(OWNER, 'early', pageOf('1'));
    await kept.keep(OWNER, 'exact', pageOf('2'));
    await kept.keep(OWNER, 'late', pageOf('3'));
    c.advance(999);
    expect((await kept.take(OWNER, 'early'))?.records).toEqual(['1']);
    c.advance(1);
    expect(await kept.take(OWNER, 'exact')).toBeUndefined();
    c.advance(5_000);
    expect(await kept.take(OWNER, 'late')).toBeUndefined();
    expect(kept.size).toBe(0);
  });

  it('re-keeping a key replaces its page and restarts its ttl', async () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 1_000, maxEntries: 10, now: c.now });
    await kept.keep(OWNER, 'k', pageOf('old'));
    c.advance(800);
    await kept.keep(OWNER, 'k', pageOf('new'));
    expect(kept.size).toBe(1);
    c.advance(800);
    expect((await kept.take(OWNER, 'k'))?.records).toEqual(['new']);
  });

  it('evicts the oldest entry once maxEntries is reached', async () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 60_000, maxEntries: 3, now: c.now });
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) {
      await kept.keep(OWNER, key, pageOf(key));
      c.advance(1);
    }
    expect(kept.size).toBe(3);
    expect(await kept.take(OWNER, 'k1')).toBeUndefined();
    expect(await kept.take(OWNER, 'k2')).toBeUndefined();
    expect(await Promise.all(['k3', 'k4', 'k5'].map(async (k) => (await kept.take(OWNER, k))?.records))).toEqual([
      ['k3'],
      ['k4'],
      ['k5'],
    ]);
  });

  it('counts a re-kept key as the newest when evicting', async () => {
    const kept = createKeptPages({ ttlMs: 60_000, maxEntries: 2, now: clock().now });
    await kept.keep(OWNER, 'a', pageOf('a'));
    await kept.keep(OWNER, 'b', pageOf('b'));
    await kept.keep(OWNER, 'a', pageOf('a2'));
    await kept.keep(OWNER, 'c', pageOf('c'));
    expect(await kept.take(OWNER, 'b')).toBeUndefined();
    expect((await kept.take(OWNER, 'a'))?.records).toEqual(['a2']);
    expect((await kept.take(OWNER, 'c'))?.records).toEqual(['c']);
  });

  it('drops expired entries before evicting live ones', async () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 100, maxEntries: 3, now: c.now });
    await kept.keep(OWNER, 'stale1', pageOf('s1'));
    await kept.keep(OWNER, 'stale2', pageOf('s2'));
    c.advance(100);
    await kept.keep(OWNER, 'live', pageOf('l'));
    expect(kept.size).toBe(1);
    expect((await kept.take(OWNER, 'live'))?.records).toEqual(['l']);
  });

  it('never holds more than maxEntries', async () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 60_000, maxEntries: 7, now: c.now });
    for (let i = 0; i < 100; i++) {
      await kept.keep(OWNER, `k${i % 13}`, pageOf(String(i)));
      expect(kept.size).toBeLessThanOrEqual(7);
    }
    expect(kept.size).toBe(7);
  });

  it('keeps nothing with ttl 0', async () => {
    const kept = createKeptPages({ ttlMs: 0, maxEntries: 10, now: clock().now });
    await kept.keep(OWNER, 'k', pageOf('x'));
    expect(kept.size).toBe(0);
    expect(await kept.take(OWNER, 'k')).toBeUndefined();
  });

  it('keeps nothing with maxEntries 0', async () => {
    const kept = createKeptPages({ ttlMs: 10_000, maxEntries: 0, now: clock().now });
    await kept.keep(OWNER, 'k', pageOf('x'));
    expect(kept.size).toBe(0);
    expect(await kept.take(OWNER, 'k')).toBeUndefined();
  });
});
