import { createHmac, randomBytes } from 'node:crypto';
import type { Redis, SharedRedis } from '../../lib/redis.ts';
import { open, seal } from '../../lib/seal.ts';
import { secretKey } from '../../lib/secrets.ts';
import type { Customer } from '../../partner/customers.ts';
import type { DirectoryOwner, DirectoryStore, WalkClaim, WalkState } from './store.ts';

export interface RedisDirectoryStoreOptions {
  /** The process's connection (src/lib/redis.ts). */
  redis: SharedRedis;
  /** How long a claimed walk stays claimed without a page read: an instance that died frees it after this. */
  claimMs: number;
  now?: () => number;
}

// Compare-and-act: a claim that expired and was taken by another instance is never touched.
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const RENEW =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

/**
 * Directories every instance shares. Keys hold the caller key and an HMAC of each customer id
 * (under a key only the caller's token re-derives), never a token or an id; every value is sealed
 * under the caller's own key, with its key name as associated data. Everything a walk wrote
 * expires at the walk's `expiresAt` (`SET … PXAT`), together.
 */
export function createRedisDirectoryStore(options: RedisDirectoryStoreOptions): DirectoryStore {
  const { redis } = options;
  const now = options.now ?? Date.now;
  const send = <T>(command: (client: Redis) => Promise<T>) => redis.run('customer_directory', command);
  const names = (owner: DirectoryOwner) => {
    const base = `${redis.prefix}customer-directory:v1:${owner.callerKey}`;
    const nameKey = secretKey(owner.nameKey); // once per read or append, not per id (see secretKey)
    const customer = (id: string) => `${base}:c:${createHmac('sha256', nameKey).update(id).digest('base64url')}`;
    return { state: base, claim: `${base}:walk`, customer, sealKey: secretKey(owner.sealKey) };
  };

  return {
    async read(owner, ids) {
      const name = names(owner);
      const keys = ids.map(name.customer);
      const [state, ...values] = await send((client) => client.mget(name.state, ...keys));
      const found = new Map<string, Customer>();
      values.forEach((value, i) => {
        const customer = value ? customerFrom(open(name.sealKey, keys[i] as string, value)) : null;
        if (customer) found.set(customer.id, customer);
      });
      return { state: state ? stateFrom(open(name.sealKey, name.state, state)) : null, found };
    },
    async append(owner, customers, state) {
      if (state.expiresAt <= now()) return;
      const name = names(owner);
      const results = await send((client) => {
        const write = client.multi();
        for (const customer of customers) {
          const key = name.customer(customer.id);
          write.set(key, seal(name.sealKey, key, JSON.stringify(customer)), 'PXAT', state.expiresAt);
        }
        write.set(name.state, seal(name.sealKey, name.state, JSON.stringify(state)), 'PXAT', state.expiresAt);
        return write.exec();
      });
      if (!results || results.some(([error]) => error !== null))
        throw new Error('Redis refused a customer directory page');
    },
    async claim(owner) {
      const key = names(owner).claim;
      const holder = randomBytes(16).toString('base64url');
      const taken = await send((client) => client.set(key, holder, 'PX', options.claimMs, 'NX'));
      if (taken !== 'OK') return null;
      return {
        renew: async () => void (await send((client) => client.eval(RENEW, 1, key, holder, options.claimMs))),
        release: async () => void (await send((client) => client.eval(RELEASE, 1, key, holder))),
      } satisfies WalkClaim;
    },
  };
}

function parsed(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Values are sealed, so they are this code's own writing; the checks guard against a format change. */
function customerFrom(text: string | null): Customer | null {
  const value = parsed(text);
  return value && typeof value['id'] === 'string' && typeof value['name'] === 'string'
    ? (value as unknown as Customer)
    : null;
}

function stateFrom(text: string | null): WalkState | null {
  const value = parsed(text);
  if (!value || typeof value['complete'] !== 'boolean' || typeof value['expiresAt'] !== 'number') return null;
  if (typeof value['pages'] !== 'number' || (value['next'] !== null && typeof value['next'] !== 'string')) return null;
  return value as unknown as WalkState;
}
