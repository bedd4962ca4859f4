import type { UpstreamPage } from '../partner/page.ts';

/**
 * Upstream pages fetched for one caller's request but not yet served (the look-ahead page, or the
 * rest of a page the connection stopped inside), kept briefly for that caller's next request.
 * Keys always start with a hash of the caller's token, never the token. Bounded: the oldest entry
 * goes first once `maxEntries` is reached.
 */
export interface KeptPages {
  keep(key: string, page: UpstreamPage<unknown>): void;
  /** Removes and returns the page, unless it has expired. */
  take(key: string): UpstreamPage<unknown> | undefined;
  readonly size: number;
}

export interface KeptPagesOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export function createKeptPages({ ttlMs, maxEntries, now = Date.now }: KeptPagesOptions): KeptPages {
  const entries = new Map<string, { page: UpstreamPage<unknown>; expiresAt: number }>();

  function evict(): void {
    const t = now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt > t && entries.size < maxEntries) break;
      entries.delete(key);
    }
  }

  return {
    keep(key, page) {
      if (maxEntries === 0 || ttlMs === 0) return;
      entries.delete(key);
      evict();
      entries.set(key, { page, expiresAt: now() + ttlMs });
    },
    take(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      return entry.expiresAt > now() ? entry.page : undefined;
    },
    get size() {
      return entries.size;
    },
  };
}
