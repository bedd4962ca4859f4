import { createBoundedMap } from '../lib/bounded-map.ts';
import type { UpstreamPage } from '../partner/page.ts';

/** Whose a kept page is: filed under the caller key (an HMAC of the token); the token itself is never stored. */
export interface KeptPageOwner {
  callerKey: string;
  /** Seals the page where it leaves the process (Redis); null for a caller without one. */
  token: string | null;
}

/**
 * Upstream pages fetched for one caller's request but not yet served (the look-ahead page, or the
 * rest of a page the connection stopped inside), kept briefly for that caller's next request.
 * Each is used once. Keeping and taking never fail: a page the store cannot keep or give back
 * costs one more upstream call, nothing else.
 */
export interface KeptPages {
  keep(owner: KeptPageOwner, key: string, page: UpstreamPage<unknown>): Promise<void>;
  /** Removes and returns the page, unless it has expired. */
  take(owner: KeptPageOwner, key: string): Promise<UpstreamPage<unknown> | undefined>;
}

/** This process's kept pages: bounded, the oldest entry goes first once `maxEntries` is reached. */
export interface MemoryKeptPages extends KeptPages {
  readonly size: number;
}

export interface KeptPagesOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export function createKeptPages({ ttlMs, maxEntries, now = Date.now }: KeptPagesOptions): MemoryKeptPages {
  const pages = createBoundedMap<UpstreamPage<unknown>>({ maxEntries, ttlMs, now });
  return {
    keep: async (owner, key, page) => pages.set(`${owner.callerKey}|${key}`, page),
    take: async (owner, key) => pages.take(`${owner.callerKey}|${key}`),
    get size() {
      return pages.size;
    },
  };
}
