import { z } from 'zod';
import { int, redisUrl } from '../fields.ts';

/** The one Redis every instance shares state through (rate limits, download tickets, kept pages); none = process memory. */
export const redisSection = z
  .object({
    REDIS_URL: redisUrl.optional(),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{0,64}$/, { error: 'up to 64 of A-Z a-z 0-9 : _ . -' })
      .default('pg:'),
    REDIS_COMMAND_TIMEOUT_MS: int(10, 10_000).default(250),
    REDIS_COOLDOWN_MS: int(100, 60_000).default(1_000),
  })
  .transform((e) => ({
    redis: {
      url: e.REDIS_URL ?? null,
      keyPrefix: e.REDIS_KEY_PREFIX,
      /** A Redis command unanswered this long fails, and Redis counts as down. */
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      /** While Redis is down, commands fail fast; a PING this often asks whether it is back. */
      cooldownMs: e.REDIS_COOLDOWN_MS,
    },
  }));
