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
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const buckets = new Map<string, BucketState>();

  return {
    async take(key, cost) {
      const { state, decision } = takeFromBucket(options.shape, buckets.get(key), cost, now());
      buckets.delete(key); // re-inserted last, so the Map's first key is the least recently used
      buckets.set(key, state);
      // Forgetting a bucket hands its caller a full one: lenient, never wrongly strict. The least
      // recently used bucket has almost always refilled by the time it is the oldest of 100,000.
      if (buckets.size > maxKeys) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
      return decision;
    },
    async close() {
      buckets.clear();
    },
  };
}
