import { type PartnerError, UpstreamConnectionError } from '../errors.ts';

export interface RetryPolicyOptions {
  /** Attempts in all, the first included; 1 turns retries off. */
  maxAttempts: number;
  /** The backoff ceiling of the first retry; it doubles with each further retry. */
  baseDelayMs: number;
  /** The largest backoff ceiling (Retry-After may ask for longer, within the deadline). */
  maxDelayMs: number;
}

export type RetryDecision = { retry: true; delayMs: number; reason: RetryReason } | { retry: false; reason: string };

export type RetryReason = 'connection' | 'rate-limited' | 'unavailable' | 'gateway-timeout' | 'bad-gateway';

export interface FailedAttempt {
  error: PartnerError;
  /** Attempts made so far, this failed one included (1 after the first failure). */
  attempt: number;
  /** Whether an earlier attempt of this call already failed with 502 and was retried. */
  retried502: boolean;
  /** Milliseconds left before the operation's deadline (Infinity when none). */
  remainingMs: number;
}

/**
 * Which failures are worth another GET: a connection that failed before any answer, 429, 503 and
 * 504. A 502 is retried at most once, because the partner API also answers invalid input with 502.
 * Every other status (400, 401, 403, 404, 500) and our own timeouts are final.
 */
export function retryReason(error: PartnerError): RetryReason | null {
  if (error instanceof UpstreamConnectionError) return 'connection';
  switch (error.upstream.status) {
    case 429:
      return 'rate-limited';
    case 503:
      return 'unavailable';
    case 504:
      return 'gateway-timeout';
    case 502:
      return 'bad-gateway';
    default:
      return null;
  }
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(attempt−1))). */
export function backoffMs(attempt: number, options: RetryPolicyOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Whether to try again and after how long. Pure: the retry budget is checked by the caller. */
export function decideRetry(failed: FailedAttempt, options: RetryPolicyOptions, random: () => number): RetryDecision {
  const reason = retryReason(failed.error);
  if (reason === null) return { retry: false, reason: 'not retryable' };
  if (failed.attempt >= options.maxAttempts) return { retry: false, reason: 'attempts exhausted' };
  if (reason === 'bad-gateway' && failed.retried502) return { retry: false, reason: '502 already retried once' };
  const retryAfterMs = (failed.error.retryAfter ?? 0) * 1000;
  const delayMs = Math.max(retryAfterMs, backoffMs(failed.attempt, options, random));
  if (delayMs >= failed.remainingMs) {
    return {
      retry: false,
      reason: retryAfterMs > 0 ? 'Retry-After is beyond the deadline' : 'backoff is beyond the deadline',
    };
  }
  return { retry: true, delayMs, reason };
}
