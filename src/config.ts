import { z } from 'zod';

/**
 * Every setting of the server, read once from the environment by `loadConfig`.
 * Nothing else in `src/` reads `process.env`.
 */
export interface Config {
  mode: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** The partner API base URL, e.g. https://acme.prod.limio.com/api; null = embedded sandbox. */
  partnerApiUrl: string | null;
  paging: { defaultFirst: number; maxFirst: number; keptPageTtlMs: number; keptPageMaxEntries: number };
  /** Secret for cursor HMACs and caller-key hashing; null = random per process (dev only). */
  cursorSecret: string | null;
  upstream: { timeoutMs: number; operationDeadlineMs: number; maxSockets: number; maxConcurrent: number };
  /** Caller headers (lower case) that may travel to the upstream besides Authorization. */
  forwardHeaders: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const headerList = z
  .string()
  .transform((s) => s.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
  .refine((hs) => hs.every((h) => /^[a-z0-9-]+$/.test(h) && !['authorization', 'cookie', 'host'].includes(h)), {
    message: 'a comma-separated list of header names, never authorization, cookie or host',
  });

const upstreamUrl = z
  .string()
  .url()
  .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: 'an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PARTNER_API_URL: upstreamUrl.optional(),
  DEFAULT_FIRST: int(1, 10_000).default(20),
  MAX_FIRST: int(1, 10_000).default(500),
  KEPT_PAGE_TTL_MS: int(0, 600_000).default(30_000),
  KEPT_PAGE_MAX_ENTRIES: int(0, 1_000_000).default(10_000),
  CURSOR_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  UPSTREAM_TIMEOUT_MS: int(1, 300_000).default(10_000),
  OPERATION_DEADLINE_MS: int(1, 600_000).default(25_000),
  UPSTREAM_MAX_SOCKETS: int(1, 1024).default(32),
  UPSTREAM_MAX_CONCURRENT: int(1, 10_000).default(128),
  FORWARD_HEADERS: headerList.default(['x-request-id']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Reads the environment once; reports every bad variable together, with what was expected. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(present[String(i.path[0])])})`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.DEFAULT_FIRST > e.MAX_FIRST) problems.push(`DEFAULT_FIRST: must not exceed MAX_FIRST (${e.MAX_FIRST})`);
  if (e.NODE_ENV === 'production' && !e.CURSOR_SECRET) problems.push('CURSOR_SECRET: required in production (at least 32 characters, the same on every instance)');
  if (e.NODE_ENV === 'production' && !e.PARTNER_API_URL) problems.push('PARTNER_API_URL: required in production (the embedded sandbox is for development)');
  if (problems.length) throw new ConfigError(problems);
  return {
    mode: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    partnerApiUrl: e.PARTNER_API_URL ?? null,
    paging: {
      defaultFirst: e.DEFAULT_FIRST,
      maxFirst: e.MAX_FIRST,
      keptPageTtlMs: e.KEPT_PAGE_TTL_MS,
      keptPageMaxEntries: e.KEPT_PAGE_MAX_ENTRIES,
    },
    cursorSecret: e.CURSOR_SECRET ?? null,
    upstream: {
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
      operationDeadlineMs: e.OPERATION_DEADLINE_MS,
      maxSockets: e.UPSTREAM_MAX_SOCKETS,
      maxConcurrent: e.UPSTREAM_MAX_CONCURRENT,
    },
    forwardHeaders: e.FORWARD_HEADERS,
    logLevel: e.LOG_LEVEL,
  };
}
