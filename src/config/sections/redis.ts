import { z } from 'zod';
import { redisUrl } from '../fields.ts';

/** The one Redis every instance shares state through (rate limits, download tickets); none = process memory. */
export const redisSection = z
  .object({
    REDIS_URL: redisUrl.optional(),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{0,64}$/, { error: 'up to 64 of A-Z a-z 0-9 : _ . -' })
      .default('pg:'),
  })
  .transform((e) => ({ redis: { url: e.REDIS_URL ?? null, keyPrefix: e.REDIS_KEY_PREFIX } }));
