/**
 * A Map that holds at most `maxEntries` entries, each for at most its time to live. Entries are
 * kept in the order they were last written, so the first is the least recently written: it goes
 * first when the map is full. Expired entries are dropped as they are met, from the oldest on.
 */
export interface BoundedMap<V> {
  get(key: string): V | undefined;
  /** `ttlMs` overrides the map's own time to live for this entry. */
  set(key: string, value: V, ttlMs?: number): void;
  /** Removes the entry and returns its value: an entry taken once is gone for everyone. */
  take(key: string): V | undefined;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
}

export interface BoundedMapOptions {
  maxEntries: number;
  /** Infinity: entries leave only when the map is full. */
  ttlMs: number;
  now?: () => number;
}

export function createBoundedMap<V>({ maxEntries, ttlMs, now = Date.now }: BoundedMapOptions): BoundedMap<V> {
  const entries = new Map<string, { value: V; expiresAt: number }>();

  const evict = (at: number) => {
    for (const [key, entry] of entries) {
      if (entry.expiresAt > at && entries.size < maxEntries) break;
      entries.delete(key);
    }
  };
  const live = (key: string, at: number) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= at) entries.delete(key);
    return entry && entry.expiresAt > at ? entry : undefined;
  };

  return {
    get: (key) => live(key, now())?.value,
    set(key, value, entryTtlMs = ttlMs) {
      if (maxEntries === 0 || entryTtlMs <= 0) return;
      const at = now();
      entries.delete(key);
      evict(at);
      entries.set(key, { value, expiresAt: at + entryTtlMs });
    },
    take(key) {
      const entry = live(key, now());
      entries.delete(key);
      return entry?.value;
    },
    delete: (key) => void entries.delete(key),
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
