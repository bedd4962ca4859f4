import { describe, expect, it } from 'vitest';
import { createBoundedMap } from '../../src/lib/bounded-map.ts';
import { open, seal } from '../../src/lib/seal.ts';
import { deriveKey, keyForToken } from '../../src/lib/secrets.ts';

const KEY = deriveKey('unit-test-secret-of-at-least-32-characters', 'customer-directory-seal v1');

describe('seal and open', () => {
  it('round-trips text under one key and name, and opens nothing else', () => {
    const sealed = seal(KEY, 'pg:a', 'zara.wood@example.fr');
    expect(sealed).toMatch(/^v1(\.[A-Za-z0-9_-]+){3}$/);
    expect(sealed).not.toContain('zara');
    expect(open(KEY, 'pg:a', sealed)).toBe('zara.wood@example.fr');
    expect(open(KEY, 'pg:b', sealed)).toBeNull(); // moved to another key name
    expect(
      open(deriveKey('another-secret-of-at-least-32-characters!', 'customer-directory-seal v1'), 'pg:a', sealed),
    ).toBeNull();
    const [v, iv, body, tag] = sealed.split('.');
    const flipped = `${body?.[0] === 'A' ? 'B' : 'A'}${body?.slice(1)}`;
    expect(open(KEY, 'pg:a', [v, iv, flipped, tag].join('.'))).toBeNull();
    expect(open(KEY, 'pg:a', 'v2.x.y.z')).toBeNull();
  });

  it('derives a different key per token from the same server key', () => {
    const one = keyForToken(KEY, 'token-1', 'values');
    expect(one).toHaveLength(32);
    expect(keyForToken(KEY, 'token-1', 'values').equals(one)).toBe(true);
    expect(keyForToken(KEY, 'token-2', 'values').equals(one)).toBe(false);
    expect(keyForToken(KEY, 'token-1', 'names').equals(one)).toBe(false);
  });
});

describe('a bounded map with a weight bound', () => {
  const weighed = (maxWeight: number) =>
    createBoundedMap<string[]>({
      maxEntries: 100,
      ttlMs: Number.POSITIVE_INFINITY,
      weight: { maxWeight, weigh: (value) => value.length },
    });

  it('drops the least recently written entries to stay within the total weight', () => {
    const map = weighed(5);
    map.set('a', ['1', '2']);
    map.set('b', ['1', '2']);
    map.set('a', ['1', '2']); // written again: now the newest
    map.set('c', ['1', '2']);
    expect([map.get('a'), map.get('b'), map.get('c')].map((v) => v?.length ?? 0)).toEqual([2, 0, 2]);
  });

  it('keeps no entry heavier than the bound, and forgets what it replaced', () => {
    const map = weighed(3);
    map.set('a', ['1']);
    map.set('a', ['1', '2', '3', '4']);
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('counts a rewritten entry once', () => {
    const map = weighed(4);
    map.set('a', ['1', '2']);
    map.set('a', ['1', '2', '3']);
    map.set('b', ['1']);
    expect(map.size).toBe(2);
  });
});
