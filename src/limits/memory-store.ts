import { createBoundedMap } from '../lib/bounded-map.ts';
import { type BucketShape, type BucketState, type RateLimitStore, takeFromBucket } from './token-bucket.ts';

export interface MemoryRateLimitStoreOptions {
  shape: BucketShape;
  /** Buckets kept at most; past it the least recently used is forgotten. */
  maxKeys?: number;
  now?: () => number;
}

const DEFAULT_MAX_KEYS = 100_000;

/** Buckets in this process only: every instance (and every cluster worker) counts on its own. */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions): RateLimitStore {
  const now = options.now ?? (() => performance.now());
  // Least recently charged first: the bucket forgotten when the map is full is the one idle longest.
  const buckets = createBoundedMap<BucketState>({
    maxEntries: options.maxKeys ?? DEFAULT_MAX_KEYS,
    ttlMs: Number.POSITIVE_INFINITY,
    now,
  });
  return {
    async take(key, cost) {
      const { state, decision } = takeFromBucket(options.shape, buckets.get(key), cost, now());
      buckets.set(key, state);
      return decision;
    },
    async close() {
      buckets.clear();
    },
  };
}
