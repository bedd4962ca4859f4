import { z } from 'zod';
import { int } from '../fields.ts';

export const pagingSection = z
  .object({
    DEFAULT_FIRST: int(1, 10_000).default(20),
    MAX_FIRST: int(1, 10_000).default(500),
    KEPT_PAGE_TTL_MS: int(0, 600_000).default(30_000),
    KEPT_PAGE_MAX_ENTRIES: int(0, 1_000_000).default(1_000),
    KEPT_PAGE_MAX_BYTES: int(1_024, 16 * 1024 * 1024).default(256 * 1024),
  })
  .transform((e) => ({
    paging: {
      defaultFirst: e.DEFAULT_FIRST,
      maxFirst: e.MAX_FIRST,
      keptPageTtlMs: e.KEPT_PAGE_TTL_MS,
      /** Pages kept in process memory (without Redis). */
      keptPageMaxEntries: e.KEPT_PAGE_MAX_ENTRIES,
      /** The largest sealed page kept in Redis; a larger one is fetched again by the next request. */
      keptPageMaxBytes: e.KEPT_PAGE_MAX_BYTES,
    },
  }));
