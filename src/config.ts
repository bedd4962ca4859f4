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
  /** Invoice PDF download links: see src/downloads/. */
  downloads: DownloadSettings;
  /** Bounds on what a request may ask, checked before parsing (HTTP) or before execution (GraphQL). */
  limits: RequestLimits;
}

export interface RequestLimits {
  maxBodyBytes: number;
  maxQueryLength: number;
  maxVariablesBytes: number;
  maxBatch: number;
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxCost: number;
}

export interface DownloadSettings {
  /** The facade's public origin (and path prefix) for links, e.g. https://graph.example.com; null = from the request. */
  publicBaseUrl: string | null;
  /** Build links from X-Forwarded-Proto/-Host/-Prefix (only behind a proxy that sets them). */
  trustProxy: boolean;
  linkTtlSeconds: number;
  /** The largest `expiresIn` a caller may ask for. */
  maxLinkTtlSeconds: number;
  /** Tickets one process keeps when there is no Redis (live and recently expired). */
  maxTickets: number;
  /** Shared ticket store for several instances; null = in process memory. */
  redisUrl: string | null;
  redisKeyPrefix: string;
  /** PDFs decoded at once per process (each holds one decoded copy until sent). */
  maxConcurrentPdfs: number;
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

const publicBaseUrl = z
  .string()
  .url()
  .refine((u) => /^https?:$/.test(new URL(u).protocol) && !new URL(u).search && !new URL(u).hash && !new URL(u).username, {
    message: 'an http(s) URL without query, fragment or credentials',
  })
  .transform((u) => u.replace(/\/+$/, ''));

const redisUrl = z
  .string()
  .url()
  .refine((u) => /^rediss?:$/.test(new URL(u).protocol), { message: 'a redis:// or rediss:// URL' });

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

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
  PUBLIC_BASE_URL: publicBaseUrl.optional(),
  TRUST_PROXY: bool.default(false),
  PDF_LINK_TTL_SECONDS: int(1, 86_400).default(300),
  PDF_LINK_MAX_TTL_SECONDS: int(1, 86_400).default(3_600),
  PDF_LINK_MAX_TICKETS: int(1, 10_000_000).default(10_000),
  REDIS_URL: redisUrl.optional(),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{0,64}$/, 'up to 64 of A-Z a-z 0-9 : _ . -').default('pg:'),
  PDF_MAX_CONCURRENT: int(1, 64).default(4),
  MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  MAX_QUERY_LENGTH: int(100, 1_000_000).default(20_000),
  MAX_VARIABLES_BYTES: int(2, 16 * 1024 * 1024).default(64 * 1024),
  MAX_BATCH: int(1, 100).default(10),
  MAX_TOKENS: int(10, 100_000).default(2_000),
  MAX_DEPTH: int(2, 100).default(10),
  MAX_ALIASES: int(1, 1_000).default(15),
  MAX_DIRECTIVES: int(1, 1_000).default(10),
  MAX_COST: int(10, 10_000_000).default(5_000),
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
  if (e.PDF_LINK_TTL_SECONDS > e.PDF_LINK_MAX_TTL_SECONDS) {
    problems.push(`PDF_LINK_TTL_SECONDS: must not exceed PDF_LINK_MAX_TTL_SECONDS (${e.PDF_LINK_MAX_TTL_SECONDS})`);
  }
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
    downloads: {
      publicBaseUrl: e.PUBLIC_BASE_URL ?? null,
      trustProxy: e.TRUST_PROXY,
      linkTtlSeconds: e.PDF_LINK_TTL_SECONDS,
      maxLinkTtlSeconds: e.PDF_LINK_MAX_TTL_SECONDS,
      maxTickets: e.PDF_LINK_MAX_TICKETS,
      redisUrl: e.REDIS_URL ?? null,
      redisKeyPrefix: e.REDIS_KEY_PREFIX,
      maxConcurrentPdfs: e.PDF_MAX_CONCURRENT,
    },
    limits: {
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxQueryLength: e.MAX_QUERY_LENGTH,
      maxVariablesBytes: e.MAX_VARIABLES_BYTES,
      maxBatch: e.MAX_BATCH,
      maxTokens: e.MAX_TOKENS,
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxDirectives: e.MAX_DIRECTIVES,
      maxCost: e.MAX_COST,
    },
  };
}
