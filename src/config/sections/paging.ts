import { z } from 'zod';
import { int } from '../fields.ts';

export const pagingSection = z
  .object({
    DEFAULT_FIRST: int(1, 10_000).default(20),
    MAX_FIRST: int(1, 10_000).default(500),
    KEPT_PAGE_TTL_MS: int(0, 600_000).default(30_000),
    KEPT_PAGE_MAX_ENTRIES: int(0, 1_000_000).default(1_000),
  })
  .transform((e) => ({
    paging: {
      defaultFirst: e.DEFAULT_FIRST,
      maxFirst: e.MAX_FIRST,
      keptPageTtlMs: e.KEPT_PAGE_TTL_MS,
      keptPageMaxEntries: e.KEPT_PAGE_MAX_ENTRIES,
    },
  }));
