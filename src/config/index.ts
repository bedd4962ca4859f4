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
  upstream: {
    timeoutMs: number;
    operationDeadlineMs: number;
    maxSockets: number;
    maxConcurrent: number;
    /** Calls that may wait for one of the maxConcurrent slots; beyond that UPSTREAM_UNAVAILABLE at once. */
    maxQueued: number;
    /** Retries of idempotent GETs: see src/partner/resilience/retry-policy.ts. */
    retry: {
      maxAttempts: number;
      baseDelayMs: number;
      maxDelayMs: number;
      budgetRatio: number;
      budgetFloorPerSecond: number;
    };
    /** One circuit breaker per upstream endpoint: see src/partner/resilience/circuit-breaker.ts. */
    breaker: { failureThreshold: number; failureRate: number; windowMs: number; cooldownMs: number };
  };
  /** Caller headers (lower case) that may travel to the upstream besides Authorization. */
  forwardHeaders: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Invoice PDF download links: see src/downloads/. */
  downloads: DownloadSettings;
  /** Bounds on what a request may ask, checked before parsing (HTTP) or before execution (GraphQL). */
  limits: RequestLimits;
  /** Most upstream calls one operation may need, estimated before execution. */
  upstreamCallBudget: number;
  browser: BrowserSafety;
  /** 'off': any operation; 'allow': persisted ids accepted too; 'require': only the manifest's operations. */
  persistedOperations: 'off' | 'allow' | 'require';
  /** Operations per caller per minute: see src/limits/rate-limit.ts. */
  rateLimit: RateLimitSettings;
  /** Readiness, metrics, tracing, shutdown and worker processes: see src/ops/ and src/cluster.ts. */
  operations: OperationsSettings;
  /** Latency the embedded sandbox adds to every API call (development and tests only). */
  sandboxLatencyMs: number;
}

export interface RateLimitSettings {
  /** Sustained operations per minute per caller token; 0 turns the limit off. */
  perMinute: number;
  /** Operations a caller may send at once before the sustained rate applies. */
  burst: number;
  /** Shared counters for several instances; null = in process memory. */
  redisUrl: string | null;
  redisKeyPrefix: string;
}

export interface OperationsSettings {
  /** /ready counts the upstream as reachable when it answered (any status) this recently; else it probes. */
  readyUpstreamFreshMs: number;
  readyProbeTimeoutMs: number;
  /** How long SIGTERM/SIGINT lets in-flight requests finish before connections are cut. */
  shutdownGraceMs: number;
  /** Processes serving the port: a number, or 'auto' for one per available core. */
  workers: number | 'auto';
  /** Spans via @opentelemetry/api; they are exported only when an OpenTelemetry SDK is registered. */
  tracing: boolean;
  /** When set, /metrics asks for `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | null;
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
  /** PDF downloads fetched and sent at once per process (each streams, holding at most about 1 MiB); the rest wait. */
  maxConcurrentPdfs: number;
  /**
   * The longest one download may take, waiting for its turn included: an upstream that drips bytes
   * just fast enough to dodge its body timeout would otherwise hold a transfer slot for ever.
   */
  maxDownloadMs: number;
}

/** Ten minutes: 32 MB (the largest PDF) at about 55 KB/s. */
export const MAX_DOWNLOAD_MS = 10 * 60_000;

export interface BrowserSafety {
  /** Origins allowed by CORS; 'localhost' allows any http(s)://localhost or 127.0.0.1 port. */
  corsOrigins: string[];
  graphiql: boolean;
  introspection: boolean;
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
  .transform((s) =>
    s
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  )
  .refine((hs) => hs.every((h) => /^[a-z0-9-]+$/.test(h) && !['authorization', 'cookie', 'host'].includes(h)), {
    message: 'a comma-separated list of header names, never authorization, cookie or host',
  });

/** Parses a URL without throwing: zod runs refinements even after `.url()` has failed. */
function urlOrNull(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

const upstreamUrl = z
  .string()
  .refine((u) => /^https?:$/.test(urlOrNull(u)?.protocol ?? ''), { message: 'an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));

const publicBaseUrl = z
  .string()
  .refine(
    (u) => {
      const url = urlOrNull(u);
      return url !== null && /^https?:$/.test(url.protocol) && !url.search && !url.hash && !url.username;
    },
    {
      message: 'an http(s) URL without query, fragment or credentials',
    },
  )
  .transform((u) => u.replace(/\/+$/, ''));

const redisUrl = z
  .string()
  .refine((u) => /^rediss?:$/.test(urlOrNull(u)?.protocol ?? ''), { message: 'a redis:// or rediss:// URL' });

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PARTNER_API_URL: upstreamUrl.optional(),
  DEFAULT_FIRST: int(1, 10_000).default(20),
  MAX_FIRST: int(1, 10_000).default(500),
  KEPT_PAGE_TTL_MS: int(0, 600_000).default(30_000),
  KEPT_PAGE_MAX_ENTRIES: int(0, 1_000_000).default(1_000),
  CURSOR_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  UPSTREAM_TIMEOUT_MS: int(1, 300_000).default(10_000),
  OPERATION_DEADLINE_MS: int(1, 600_000).default(25_000),
  UPSTREAM_MAX_SOCKETS: int(1, 1024).default(32),
  UPSTREAM_MAX_CONCURRENT: int(1, 10_000).default(128),
  UPSTREAM_MAX_QUEUED: int(0, 1_000_000).default(1_000),
  UPSTREAM_MAX_ATTEMPTS: int(1, 10).default(3),
  UPSTREAM_RETRY_BASE_MS: int(1, 60_000).default(100),
  UPSTREAM_RETRY_MAX_DELAY_MS: int(1, 60_000).default(2_000),
  UPSTREAM_RETRY_BUDGET_RATIO: z.coerce.number().min(0).max(1).default(0.1),
  UPSTREAM_RETRY_BUDGET_FLOOR_PER_SEC: z.coerce.number().min(0).max(1_000).default(1),
  BREAKER_FAILURE_THRESHOLD: int(1, 100_000).default(5),
  BREAKER_FAILURE_RATE: z.coerce.number().gt(0).max(1).default(0.5),
  BREAKER_WINDOW_MS: int(100, 600_000).default(10_000),
  BREAKER_COOLDOWN_MS: int(1, 600_000).default(5_000),
  FORWARD_HEADERS: headerList.default(['x-request-id']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_BASE_URL: publicBaseUrl.optional(),
  TRUST_PROXY: bool.default(false),
  PDF_LINK_TTL_SECONDS: int(1, 86_400).default(300),
  PDF_LINK_MAX_TTL_SECONDS: int(1, 86_400).default(3_600),
  PDF_LINK_MAX_TICKETS: int(1, 10_000_000).default(10_000),
  REDIS_URL: redisUrl.optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{0,64}$/, 'up to 64 of A-Z a-z 0-9 : _ . -')
    .default('pg:'),
  PDF_MAX_CONCURRENT: int(1, 64).default(4),
  MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  MAX_QUERY_LENGTH: int(100, 1_000_000).default(20_000),
  MAX_VARIABLES_BYTES: int(2, 16 * 1024 * 1024).default(64 * 1024),
  MAX_BATCH: int(1, 100).default(10),
  MAX_TOKENS: int(10, 100_000).default(2_000),
  MAX_DEPTH: int(2, 100).default(10),
  MAX_ALIASES: int(1, 1_000).default(15),
  MAX_DIRECTIVES: int(1, 1_000).default(10),
  MAX_COST: int(10, 10_000_000).default(50_000),
  UPSTREAM_CALL_BUDGET: int(1, 10_000).default(25),
  CORS_ORIGINS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine((os) => os.every((o) => o === 'localhost' || o === '*' || /^https?:\/\/[^/\s]+$/.test(o)), {
      message: "a comma-separated list of origins like https://portal.example.com, or 'localhost', or '*'",
    })
    .optional(),
  GRAPHIQL: bool.optional(),
  INTROSPECTION: bool.optional(),
  PERSISTED_OPERATIONS: z.enum(['off', 'allow', 'require']).default('off'),
  RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(600),
  RATE_LIMIT_BURST: int(1, 1_000_000).optional(),
  READY_UPSTREAM_FRESH_MS: int(0, 3_600_000).default(30_000),
  READY_PROBE_TIMEOUT_MS: int(1, 60_000).default(2_000),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  WORKERS: z.union([z.literal('auto'), int(1, 1_024)], { error: "'auto' or a whole number from 1 to 1024" }).default(1),
  TRACING: bool.optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().optional(),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  SANDBOX_LATENCY_MS: int(0, 600_000).default(0),
});

/** Variables whose values may hold secrets: a problem with them never repeats the value. */
const SECRET_VARIABLES = new Set(['CURSOR_SECRET', 'REDIS_URL', 'PARTNER_API_URL', 'METRICS_TOKEN']);

function describeIssue(name: string, message: string, present: Record<string, string | undefined>): string {
  const got = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(present[name])})`;
  return `${name}: ${message}${got}`;
}

/** Production needs a shared cursor secret and a real upstream; checked even when other values are bad. */
function productionProblems(present: Record<string, string | undefined>): string[] {
  if (present['NODE_ENV'] !== 'production') return [];
  const problems: string[] = [];
  if (!present['CURSOR_SECRET'])
    problems.push('CURSOR_SECRET: required in production (at least 32 characters, the same on every instance)');
  if (!present['PARTNER_API_URL'])
    problems.push('PARTNER_API_URL: required in production (the embedded sandbox is for development)');
  return problems;
}

/** Reads the environment once; reports every bad variable together, with what was expected. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  const problems = productionProblems(present);
  if (!parsed.success) {
    throw new ConfigError([
      ...parsed.error.issues.map((i) => describeIssue(String(i.path[0]), i.message, present)),
      ...problems,
    ]);
  }
  const e = parsed.data;
  if (e.DEFAULT_FIRST > e.MAX_FIRST) problems.push(`DEFAULT_FIRST: must not exceed MAX_FIRST (${e.MAX_FIRST})`);
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
      maxQueued: e.UPSTREAM_MAX_QUEUED,
      retry: {
        maxAttempts: e.UPSTREAM_MAX_ATTEMPTS,
        baseDelayMs: e.UPSTREAM_RETRY_BASE_MS,
        maxDelayMs: e.UPSTREAM_RETRY_MAX_DELAY_MS,
        budgetRatio: e.UPSTREAM_RETRY_BUDGET_RATIO,
        budgetFloorPerSecond: e.UPSTREAM_RETRY_BUDGET_FLOOR_PER_SEC,
      },
      breaker: {
        failureThreshold: e.BREAKER_FAILURE_THRESHOLD,
        failureRate: e.BREAKER_FAILURE_RATE,
        windowMs: e.BREAKER_WINDOW_MS,
        cooldownMs: e.BREAKER_COOLDOWN_MS,
      },
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
      maxDownloadMs: MAX_DOWNLOAD_MS,
    },
    upstreamCallBudget: e.UPSTREAM_CALL_BUDGET,
    browser: {
      // Sandbox mode and development welcome any localhost origin; production allows none unless listed.
      corsOrigins: e.CORS_ORIGINS ?? (e.NODE_ENV === 'production' ? [] : ['localhost']),
      graphiql: e.GRAPHIQL ?? e.NODE_ENV !== 'production',
      introspection: e.INTROSPECTION ?? e.NODE_ENV !== 'production',
    },
    persistedOperations: e.PERSISTED_OPERATIONS,
    rateLimit: {
      perMinute: e.RATE_LIMIT_PER_MINUTE,
      // Ten seconds' worth of the rate unless set: 100 at the default 600 a minute.
      burst: e.RATE_LIMIT_BURST ?? Math.max(1, Math.ceil(e.RATE_LIMIT_PER_MINUTE / 6)),
      redisUrl: e.REDIS_URL ?? null,
      redisKeyPrefix: e.REDIS_KEY_PREFIX,
    },
    operations: {
      readyUpstreamFreshMs: e.READY_UPSTREAM_FRESH_MS,
      readyProbeTimeoutMs: e.READY_PROBE_TIMEOUT_MS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      workers: e.WORKERS,
      tracing: e.TRACING ?? Boolean(e.OTEL_EXPORTER_OTLP_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
      metricsToken: e.METRICS_TOKEN ?? null,
    },
    sandboxLatencyMs: e.SANDBOX_LATENCY_MS,
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
