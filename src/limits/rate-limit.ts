import type { RateLimitSettings } from '../config/index.ts';
import { lazy } from '../lib/lazy.ts';
import type { SharedRedis } from '../lib/redis.ts';
import { createMemoryRateLimitStore } from './memory-store.ts';
import type { BucketShape, RateDecision, RateLimitStore } from './token-bucket.ts';

export interface RateLimiterOptions {
  settings: RateLimitSettings;
  /** The process's shared Redis: buckets shared by every instance. Absent: this process's memory. */
  redis?: SharedRedis | null;
  /** Replaces the store `redis` would give (tests). */
  store?: RateLimitStore;
  now?: () => number;
  warn?: (message: string) => void;
  /** Told of each refused request, for metrics. */
  onRejected?: () => void;
  /** Told each time the shared store failed and this process's memory decided instead. */
  onStoreError?: () => void;
}

/** Why a request was refused: what the caller is told, and when to come back. */
export interface RateRefusal {
  message: string;
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Where the buckets are: 'redis' (shared), 'memory' (this process) or 'off'. */
  storeKind: 'redis' | 'memory' | 'off';
  take(key: string, cost: number): Promise<RateDecision>;
  /** Charges the caller one token per operation; a refusal when the bucket is empty, else null. */
  charge(callerKey: string, operations: number): Promise<RateRefusal | null>;
  close(): Promise<void>;
}

/** After the shared store fails, this process decides alone for a while rather than wait on a sick Redis per request. */
const FALLBACK_MS = 5_000;

/**
 * The per-caller rate limit: a token bucket per caller key (an HMAC of the bearer token, so no
 * token is ever a key), refilled at `perMinute` and holding `burst`. A request costs one token per
 * operation (a batch of 5 costs 5; never more than `burst`, so any allowed batch can pass). The
 * /graphql route charges requests with a well-formed bearer token only: the others fail
 * UNAUTHENTICATED before any upstream call.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { settings } = options;
  if (settings.perMinute === 0) {
    return {
      storeKind: 'off',
      take: async () => ({ allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterMs: 0 }),
      charge: async () => null,
      close: async () => {},
    };
  }
  const shape: BucketShape = { ratePerMs: settings.perMinute / 60_000, capacity: settings.burst };
  const now = options.now ?? (() => performance.now());
  const memory = createMemoryRateLimitStore({ shape, now });
  const shared = options.store ?? (options.redis ? redisStore(options.redis, shape) : null);
  let fallbackUntil = Number.NEGATIVE_INFINITY;

  async function take(key: string, cost: number): Promise<RateDecision> {
    const units = Math.min(Math.max(1, cost), shape.capacity);
    if (!shared || now() < fallbackUntil) return memory.take(key, units);
    try {
      return await shared.take(key, units);
    } catch (error) {
      fallbackUntil = now() + FALLBACK_MS;
      options.onStoreError?.();
      const reason = error instanceof Error ? error.message : 'unknown error';
      options.warn?.(
        `Rate limits: the shared store failed (${reason}); this process limits on its own for ${FALLBACK_MS / 1000} s.`,
      );
      return memory.take(key, units);
    }
  }

  return {
    storeKind: shared ? 'redis' : 'memory',
    take,
    async charge(callerKey, operations) {
      const decision = await take(callerKey, operations);
      if (decision.allowed) return null;
      options.onRejected?.();
      const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      return {
        retryAfterSeconds,
        message: `Too many requests: this token may send ${settings.perMinute} operations a minute, ${settings.burst} at once. Retry after ${retryAfterSeconds} s.`,
      };
    },
    async close() {
      await memory.close();
      await shared?.close();
    },
  };
}

/** The Redis store, over the process's one connection (loaded when first used). */
function redisStore(redis: SharedRedis, shape: BucketShape): RateLimitStore {
  const store = lazy(async () => {
    const { createRedisRateLimitStore } = await import('./redis-store.ts');
    return createRedisRateLimitStore({ client: await redis.client(), prefix: redis.prefix, shape });
  });
  return {
    take: async (key, cost) => (await store()).take(key, cost),
    close: async () => {},
  };
}
