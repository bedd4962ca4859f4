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

export interface BoundedMapOptions<V> {
  maxEntries: number;
  /** Infinity: entries leave only when the map is full. */
  ttlMs: number;
  now?: () => number;
  /**
   * A second bound, for values of very different sizes: the sum of `weigh(value)` over the entries
   * stays within `maxWeight` (weighed when written). An entry heavier than that alone is not kept.
   */
  weight?: { maxWeight: number; weigh: (value: V) => number };
}

interface Entry<V> {
  value: V;
  expiresAt: number;
  weight: number;
}

export function createBoundedMap<V>({
  maxEntries,
  ttlMs,
  now = Date.now,
  weight,
}: BoundedMapOptions<V>): BoundedMap<V> {
  const entries = new Map<string, Entry<V>>();
  const maxWeight = weight?.maxWeight ?? Number.POSITIVE_INFINITY;
  let total = 0;

  const remove = (key: string) => {
    total -= entries.get(key)?.weight ?? 0;
    entries.delete(key);
  };
  const evict = (at: number, incoming: number) => {
    for (const [key, entry] of entries) {
      if (entry.expiresAt > at && entries.size < maxEntries && total + incoming <= maxWeight) break;
      remove(key);
    }
  };
  const live = (key: string, at: number) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= at) remove(key);
    return entry && entry.expiresAt > at ? entry : undefined;
  };

  return {
    get: (key) => live(key, now())?.value,
    set(key, value, entryTtlMs = ttlMs) {
      remove(key);
      const entryWeight = weight ? weight.weigh(value) : 0;
      if (maxEntries === 0 || entryTtlMs <= 0 || entryWeight > maxWeight) return;
      const at = now();
      evict(at, entryWeight);
      entries.set(key, { value, expiresAt: at + entryTtlMs, weight: entryWeight });
      total += entryWeight;
    },
    take(key) {
      const entry = live(key, now());
      remove(key);
      return entry?.value;
    },
    delete: (key) => remove(key),
    clear: () => {
      entries.clear();
      total = 0;
    },
    get size() {
      return entries.size;
    },
  };
}
