import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RateLimitSettings } from '../config/index.ts';
import { callerKeyOf } from '../graphql/context.ts';
import { readCredentials } from '../auth/credentials.ts';
import { createMemoryRateLimitStore } from './memory-store.ts';
import type { BucketShape, RateDecision, RateLimitStore } from './token-bucket.ts';

export interface RateLimiterOptions {
  settings: RateLimitSettings;
  /** The key caller keys are HMACs under (Services.callerKeySecret): the same on every instance that shares CURSOR_SECRET. */
  callerKeySecret: Buffer;
  /** Replaces the store the settings name (tests). */
  store?: RateLimitStore;
  now?: () => number;
  warn?: (message: string) => void;
  /** Told of each refused request, for metrics. */
  onRejected?: () => void;
  /** Told each time the shared store failed and this process's memory decided instead. */
  onStoreError?: () => void;
}

export interface RateLimiter {
  /** A Yoga plugin: charges the caller one token per operation once the request is parsed, before anything executes. */
  plugin: Plugin;
  /** Where the buckets are: 'redis' (shared), 'memory' (this process) or 'off'. */
  storeKind: 'redis' | 'memory' | 'off';
  take(key: string, cost: number): Promise<RateDecision>;
  /**
   * What the plugin does, for the fast lane (src/http/fast-lane.ts): throws RATE_LIMITED past the
   * limit. The Node request `req` is remembered as charged, so that Yoga's pass over it, should the
   * lane hand it on, does not charge it again.
   */
  admit(request: Request, operations: number, req: object): Promise<void>;
  close(): Promise<void>;
}

/** After the shared store fails, this process decides alone for a while rather than wait on a sick Redis per request. */
const FALLBACK_MS = 5_000;

/**
 * The per-caller rate limit: a token bucket per caller key (an HMAC of the bearer token, so no
 * token is ever a key), refilled at `perMinute` and holding `burst`. A request costs one token per
 * operation (a batch of 5 costs 5; never more than `burst`, so any allowed batch can pass). Requests
 * without a well-formed bearer token are not charged: they fail UNAUTHENTICATED before any upstream call.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { settings } = options;
  if (settings.perMinute === 0) {
    return {
      plugin: {},
      storeKind: 'off',
      take: async () => ({ allowed: true, remaining: Infinity, retryAfterMs: 0 }),
      admit: async () => {},
      close: async () => {},
    };
  }
  const shape: BucketShape = { ratePerMs: settings.perMinute / 60_000, capacity: settings.burst };
  const now = options.now ?? (() => performance.now());
  const memory = createMemoryRateLimitStore({ shape, now });
  const shared =
    options.store ??
    (settings.redisUrl ? redisStore(settings.redisUrl, settings.redisKeyPrefix, shape, options.warn) : null);
  let fallbackUntil = -Infinity;

  async function take(key: string, cost: number): Promise<RateDecision> {
    const units = Math.min(Math.max(1, cost), shape.capacity);
    if (!shared || now() < fallbackUntil) return memory.take(key, units);
    try {
      return await shared.take(key, units);
    } catch (error) {
      fallbackUntil = now() + FALLBACK_MS;
      options.onStoreError?.();
      options.warn?.(
        `Rate limits: the shared store failed (${error instanceof Error ? error.message : 'unknown error'}); this process limits on its own for ${FALLBACK_MS / 1000} s.`,
      );
      return memory.take(key, units);
    }
  }

  /** The caller's key, or null for a request without a well-formed bearer token (never charged). */
  const keyOf = (request: Request): string | null => {
    const authorization = request.headers.get('authorization');
    const credentials = readCredentials(authorization === null ? [] : [authorization]);
    return credentials.ok ? callerKeyOf(request, options.callerKeySecret, credentials.token) : null;
  };

  async function charge(key: string, operations: number): Promise<void> {
    const decision = await take(key, operations);
    if (decision.allowed) return;
    options.onRejected?.();
    throw rateLimitedError(decision.retryAfterMs, settings);
  }

  const charged = new WeakSet<object>();

  const plugin: Plugin = {
    onRequestParse({ request, serverContext }) {
      if (charged.has((serverContext as { req?: object }).req ?? plugin)) return;
      const key = keyOf(request);
      if (key === null) return;
      return {
        async onRequestParseDone({ requestParserResult }) {
          await charge(key, Array.isArray(requestParserResult) ? requestParserResult.length : 1);
        },
      };
    },
  };

  return {
    plugin,
    async admit(request, operations, req) {
      const key = keyOf(request);
      if (key === null) return;
      charged.add(req);
      await charge(key, operations);
    },
    storeKind: options.store || settings.redisUrl ? 'redis' : 'memory',
    take,
    async close() {
      await memory.close();
      await shared?.close();
    },
  };
}

/** The Redis client library is loaded only by a process configured to use it. */
function redisStore(
  url: string,
  prefix: string,
  shape: BucketShape,
  warn: ((message: string) => void) | undefined,
): RateLimitStore {
  const store = import('./redis-store.ts').then(({ createRedisRateLimitStore }) =>
    createRedisRateLimitStore({ url, prefix, shape, ...(warn ? { onError: warn } : {}) }),
  );
  store.catch(() => undefined); // a failure is reported by the first call that awaits the store
  return {
    take: async (key, cost) => (await store).take(key, cost),
    close: async () => (await store).close(),
  };
}

/** Thrown while the request is parsed, so Yoga answers it whole: HTTP 429, Retry-After, `extensions.retryAfter`. */
function rateLimitedError(retryAfterMs: number, settings: RateLimitSettings): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new GraphQLError(
    `Too many requests: this token may send ${settings.perMinute} operations a minute, ${settings.burst} at once. Retry after ${retryAfter} s.`,
    {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfter,
        http: { status: 429, headers: { 'Retry-After': String(retryAfter) } },
      },
    },
  );
}
