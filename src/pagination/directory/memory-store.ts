import { createBoundedMap } from '../../lib/bounded-map.ts';
import type { Customer } from '../../partner/customers.ts';
import type { DirectoryStore, WalkClaim, WalkState } from './store.ts';

export interface MemoryDirectoryStoreOptions {
  /** Customers held for all callers together; the least recently extended caller's directory goes first. */
  maxCustomers: number;
  now?: () => number;
}

interface Entry {
  state: WalkState;
  customers: Map<string, Customer>;
}

const GRANTED: WalkClaim = { renew: async () => {}, release: async () => {} };

/** Directories in this process only: a caller's requests to another instance walk again. */
export function createMemoryDirectoryStore({
  maxCustomers,
  now = Date.now,
}: MemoryDirectoryStoreOptions): DirectoryStore {
  const entries = createBoundedMap<Entry>({
    maxEntries: Number.POSITIVE_INFINITY,
    ttlMs: Number.POSITIVE_INFINITY,
    now,
    weight: { maxWeight: maxCustomers, weigh: (entry) => entry.customers.size },
  });
  return {
    async read(owner, ids) {
      const entry = entries.get(owner.callerKey);
      const found = new Map<string, Customer>();
      for (const id of ids) {
        const customer = entry?.customers.get(id);
        if (customer) found.set(id, customer);
      }
      return { state: entry?.state ?? null, found };
    },
    async append(owner, customers, state) {
      const kept = entries.get(owner.callerKey);
      // A walk whose earlier pages were evicted would look complete with holes in it: it keeps nothing more.
      if ((kept?.state.pages ?? 0) !== state.pages - 1) return;
      const entry = kept ?? { state, customers: new Map<string, Customer>() };
      for (const customer of customers) entry.customers.set(customer.id, customer);
      entry.state = state;
      entries.set(owner.callerKey, entry, state.expiresAt - now());
    },
    claim: async () => GRANTED,
  };
}
