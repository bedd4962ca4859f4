import { z } from 'zod';
import { int } from '../fields.ts';

/** Operations per caller per minute: see src/limits/rate-limit.ts. */
export const rateLimitSection = z
  .object({
    RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(600),
    RATE_LIMIT_BURST: int(1, 1_000_000).optional(),
  })
  .transform((e) => ({
    rateLimit: {
      /** Sustained operations per minute per caller token; 0 turns the limit off. */
      perMinute: e.RATE_LIMIT_PER_MINUTE,
      /** Operations a caller may send at once: ten seconds' worth of the rate unless set. */
      burst: e.RATE_LIMIT_BURST ?? Math.max(1, Math.ceil(e.RATE_LIMIT_PER_MINUTE / 6)),
    },
  }));
