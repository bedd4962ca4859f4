import { createBoundedMap } from '../lib/bounded-map.ts';
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
  const pages = createBoundedMap<UpstreamPage<unknown>>({ maxEntries, ttlMs, now });
  return {
    keep: (key, page) => pages.set(key, page),
    take: (key) => pages.take(key),
    get size() {
      return pages.size;
    },
  };
}
