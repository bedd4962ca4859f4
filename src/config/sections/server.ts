import { z } from 'zod';
import { int, mode, oneOf, secret } from '../fields.ts';

export const serverSection = z
  .object({
    NODE_ENV: mode,
    PORT: int(0, 65535).default(4000),
    HOST: z.string().min(1, { error: 'a host name or address' }).default('0.0.0.0'),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SERVER_SECRET: secret(32).optional(),
    /** The name SERVER_SECRET had before it keyed more than cursors; read when SERVER_SECRET is unset. */
    CURSOR_SECRET: secret(32).optional(),
    SANDBOX_LATENCY_MS: int(0, 600_000).default(0),
  })
  .transform((e) => ({
    mode: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    /** Every key the server derives (cursors, caller keys, sealed Redis entries); null = random per process (dev only). */
    serverSecret: e.SERVER_SECRET ?? e.CURSOR_SECRET ?? null,
    /** Latency the embedded sandbox adds to every API call (development and tests only). */
    sandboxLatencyMs: e.SANDBOX_LATENCY_MS,
  }));
