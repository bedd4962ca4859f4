import { z } from 'zod';
import { fraction, httpUrl, int, list } from '../fields.ts';

const headerList = list.refine(
  (hs) => hs.every((h) => /^[a-z0-9-]+$/i.test(h) && !['authorization', 'cookie', 'host'].includes(h.toLowerCase())),
  { error: 'a comma-separated list of header names, never authorization, cookie or host' },
);

export const upstreamSection = z
  .object({
    PARTNER_API_URL: httpUrl.optional(),
    UPSTREAM_TIMEOUT_MS: int(1, 300_000).default(10_000),
    OPERATION_DEADLINE_MS: int(1, 600_000).default(25_000),
    UPSTREAM_MAX_SOCKETS: int(1, 1024).default(32),
    UPSTREAM_MAX_CONCURRENT: int(1, 10_000).default(128),
    UPSTREAM_MAX_QUEUED: int(0, 1_000_000).default(1_000),
    UPSTREAM_MAX_ATTEMPTS: int(1, 10).default(3),
    UPSTREAM_RETRY_BASE_MS: int(1, 60_000).default(100),
    UPSTREAM_RETRY_MAX_DELAY_MS: int(1, 60_000).default(2_000),
    UPSTREAM_RETRY_BUDGET_RATIO: fraction(0, 1).default(0.1),
    UPSTREAM_RETRY_BUDGET_FLOOR_PER_SEC: fraction(0, 1_000).default(1),
    BREAKER_FAILURE_THRESHOLD: int(1, 100_000).default(5),
    BREAKER_FAILURE_RATE: fraction(0, 1, true).default(0.5),
    BREAKER_WINDOW_MS: int(100, 600_000).default(10_000),
    BREAKER_COOLDOWN_MS: int(1, 600_000).default(5_000),
    FORWARD_HEADERS: headerList.default(['x-request-id']),
    UPSTREAM_CALL_BUDGET: int(1, 10_000).default(25),
  })
  .transform((e) => ({
    /** The partner API base URL, e.g. https://acme.prod.limio.com/api; null = embedded sandbox. */
    partnerApiUrl: e.PARTNER_API_URL ?? null,
    upstream: {
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
      operationDeadlineMs: e.OPERATION_DEADLINE_MS,
      maxSockets: e.UPSTREAM_MAX_SOCKETS,
      maxConcurrent: e.UPSTREAM_MAX_CONCURRENT,
      /** Calls that may wait for one of the maxConcurrent slots; beyond that UPSTREAM_UNAVAILABLE at once. */
      maxQueued: e.UPSTREAM_MAX_QUEUED,
      /** Retries of idempotent GETs: see src/partner/resilience/retry-policy.ts. */
      retry: {
        maxAttempts: e.UPSTREAM_MAX_ATTEMPTS,
        baseDelayMs: e.UPSTREAM_RETRY_BASE_MS,
        maxDelayMs: e.UPSTREAM_RETRY_MAX_DELAY_MS,
        budgetRatio: e.UPSTREAM_RETRY_BUDGET_RATIO,
        budgetFloorPerSecond: e.UPSTREAM_RETRY_BUDGET_FLOOR_PER_SEC,
      },
      /** One circuit breaker per upstream endpoint: see src/partner/resilience/circuit-breaker.ts. */
      breaker: {
        failureThreshold: e.BREAKER_FAILURE_THRESHOLD,
        failureRate: e.BREAKER_FAILURE_RATE,
        windowMs: e.BREAKER_WINDOW_MS,
        cooldownMs: e.BREAKER_COOLDOWN_MS,
      },
    },
    /** Caller headers (lower case) that may travel to the upstream besides Authorization. */
    forwardHeaders: e.FORWARD_HEADERS.map((h) => h.toLowerCase()),
    /** Most upstream calls one operation may need, estimated before execution. */
    upstreamCallBudget: e.UPSTREAM_CALL_BUDGET,
  }));
