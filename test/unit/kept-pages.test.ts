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

describe('createKeptPages', () => {
  it('returns a kept page once, then nothing', () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 1_000, maxEntries: 10, now: c.now });
    const page = pageOf('a', 'b');
    kept.keep('caller|customers||["t",20]', page);
    expect(kept.size).toBe(1);
    expect(kept.take('caller|customers||["t",20]')).toBe(page);
    expect(kept.size).toBe(0);
    expect(kept.take('caller|customers||["t",20]')).toBeUndefined();
  });

  it('returns nothing for a key it was never given', () => {
    const kept = createKeptPages({ ttlMs: 1_000, maxEntries: 10 });
    kept.keep('a', pageOf('x'));
    expect(kept.take('b')).toBeUndefined();
    expect(kept.size).toBe(1);
  });

  it('serves a page until just before the ttl and not at or after it', () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 1_000, maxEntries: 10, now: c.now });
    kept.keep('early', pageOf('1'));
    kept.keep('exact', pageOf('2'));
    kept.keep('late', pageOf('3'));
    c.advance(999);
    expect(kept.take('early')?.records).toEqual(['1']);
    c.advance(1);
    expect(kept.take('exact')).toBeUndefined();
    c.advance(5_000);
    expect(kept.take('late')).toBeUndefined();
    expect(kept.size).toBe(0);
  });

  it('re-keeping a key replaces its page and restarts its ttl', () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 1_000, maxEntries: 10, now: c.now });
    kept.keep('k', pageOf('old'));
    c.advance(800);
    kept.keep('k', pageOf('new'));
    expect(kept.size).toBe(1);
    c.advance(800);
    expect(kept.take('k')?.records).toEqual(['new']);
  });

  it('evicts the oldest entry once maxEntries is reached', () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 60_000, maxEntries: 3, now: c.now });
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) {
      kept.keep(key, pageOf(key));
      c.advance(1);
    }
    expect(kept.size).toBe(3);
    expect(kept.take('k1')).toBeUndefined();
    expect(kept.take('k2')).toBeUndefined();
    expect(['k3', 'k4', 'k5'].map((k) => kept.take(k)?.records)).toEqual([['k3'], ['k4'], ['k5']]);
  });

  it('counts a re-kept key as the newest when evicting', () => {
    const kept = createKeptPages({ ttlMs: 60_000, maxEntries: 2, now: clock().now });
    kept.keep('a', pageOf('a'));
    kept.keep('b', pageOf('b'));
    kept.keep('a', pageOf('a2'));
    kept.keep('c', pageOf('c'));
    expect(kept.take('b')).toBeUndefined();
    expect(kept.take('a')?.records).toEqual(['a2']);
    expect(kept.take('c')?.records).toEqual(['c']);
  });

  it('drops expired entries before evicting live ones', () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 100, maxEntries: 3, now: c.now });
    kept.keep('stale1', pageOf('s1'));
    kept.keep('stale2', pageOf('s2'));
    c.advance(100);
    kept.keep('live', pageOf('l'));
    expect(kept.size).toBe(1);
    expect(kept.take('live')?.records).toEqual(['l']);
  });

  it('never holds more than maxEntries', () => {
    const c = clock();
    const kept = createKeptPages({ ttlMs: 60_000, maxEntries: 7, now: c.now });
    for (let i = 0; i < 100; i++) {
      kept.keep(`k${i % 13}`, pageOf(String(i)));
      expect(kept.size).toBeLessThanOrEqual(7);
    }
    expect(kept.size).toBe(7);
  });

  it('keeps nothing with ttl 0', () => {
    const kept = createKeptPages({ ttlMs: 0, maxEntries: 10, now: clock().now });
    kept.keep('k', pageOf('x'));
    expect(kept.size).toBe(0);
    expect(kept.take('k')).toBeUndefined();
  });

  it('keeps nothing with maxEntries 0', () => {
    const kept = createKeptPages({ ttlMs: 10_000, maxEntries: 0, now: clock().now });
    kept.keep('k', pageOf('x'));
    expect(kept.size).toBe(0);
    expect(kept.take('k')).toBeUndefined();
  });
});
