import { createSemaphore, SemaphoreFullError } from '../../lib/semaphore.ts';
import { PartnerError } from '../errors.ts';

export interface ConcurrencyLimiterOptions {
  /** Upstream calls in flight at once, per instance. */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot; beyond that a call fails at once. */
  maxQueue: number;
}

export interface ConcurrencyLimiter {
  /**
   * Resolves with a release function once a slot is free (first come, first served). Rejects with
   * UPSTREAM_UNAVAILABLE when the queue is full and UPSTREAM_TIMEOUT when `signal` aborts first.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
  stats(): { active: number; waiting: number };
}

/** The upstream-call bound: a semaphore whose refusals speak the partner error vocabulary. */
export function createConcurrencyLimiter(options: ConcurrencyLimiterOptions): ConcurrencyLimiter {
  const semaphore = createSemaphore(options.maxConcurrent, options.maxQueue);
  return {
    acquire: (signal) =>
      semaphore.acquire(signal).catch((error: unknown) => {
        throw error instanceof SemaphoreFullError
          ? new PartnerError(
              'UPSTREAM_UNAVAILABLE',
              'Too many partner API calls are waiting on this server; try again shortly.',
            )
          : deadlineError();
      }),
    stats: () => semaphore.stats(),
  };
}

function deadlineError(): PartnerError {
  return new PartnerError(
    'UPSTREAM_TIMEOUT',
    'Upstream call aborted: the operation deadline passed while it waited for a free slot.',
  );
}
