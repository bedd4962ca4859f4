import type { Redis } from 'ioredis';
import { lazy } from './lazy.ts';

export type { Redis } from 'ioredis';

/** The one Redis connection of a process, shared by every store that keeps state in Redis. */
export interface SharedRedis {
  /** The connected client; the client library is loaded on first use only. */
  client(): Promise<Redis>;
  /** Put before every key, e.g. 'pg:'; lets several apps or test runs share one Redis. */
  prefix: string;
  close(): Promise<void>;
}

export interface SharedRedisOptions {
  url: string;
  prefix: string;
  /** Told about connection trouble, never about what is stored. */
  onError?: (message: string) => void;
}

export function createSharedRedis(options: SharedRedisOptions): SharedRedis {
  const client = lazy(async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(options.url, { maxRetriesPerRequest: 1, commandTimeout: 2_000, connectTimeout: 5_000 });
    redis.on('error', (error: unknown) => {
      options.onError?.(`Redis: ${error instanceof Error ? error.message : String(error)}`);
    });
    return redis;
  });
  let used = false;
  return {
    client: () => {
      used = true;
      return client();
    },
    prefix: options.prefix,
    async close() {
      if (!used) return;
      const redis = await client().catch(() => null);
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
