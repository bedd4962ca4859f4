import { lazy } from '../../lib/lazy.ts';
import type { SharedRedis } from '../../lib/redis.ts';
import { createMemoryDirectoryStore } from './memory-store.ts';
import { createRedisDirectoryStore } from './redis-store.ts';
import type { DirectoryStore } from './store.ts';

export {
  type CustomerDirectory,
  type CustomerLookup,
  CustomerLookupLimitError,
  createCustomerDirectory,
} from './directory.ts';
export type { DirectoryStore } from './store.ts';

export interface DirectoryStoreOptions {
  /** The process's shared Redis: directories every instance reads. Absent: this process's memory. */
  redis: SharedRedis | null;
  /** Customers the memory store holds for all callers together. */
  maxCustomers: number;
  /** How long an instance's claim on a caller's walk lasts without a page read. */
  claimMs: number;
}

export function createDirectoryStore(options: DirectoryStoreOptions): DirectoryStore {
  const { redis } = options;
  if (!redis) return createMemoryDirectoryStore({ maxCustomers: options.maxCustomers });
  const store = lazy(async () =>
    createRedisDirectoryStore({ client: await redis.client(), prefix: redis.prefix, claimMs: options.claimMs }),
  );
  return {
    read: async (owner, ids) => (await store()).read(owner, ids),
    append: async (owner, customers, state) => (await store()).append(owner, customers, state),
    claim: async (owner) => (await store()).claim(owner),
  };
}
