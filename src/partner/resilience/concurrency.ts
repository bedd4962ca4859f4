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

interface Waiter {
  grant: () => void;
}

export function createConcurrencyLimiter(options: ConcurrencyLimiterOptions): ConcurrencyLimiter {
  let active = 0;
  const waiting: Waiter[] = [];

  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next) next.grant();
      else active--;
    };
  };

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(deadlineError());
      if (active < options.maxConcurrent) {
        active++;
        return Promise.resolve(releaser());
      }
      if (waiting.length >= options.maxQueue) {
        return Promise.reject(new PartnerError('UPSTREAM_UNAVAILABLE', 'Too many partner API calls are waiting on this server; try again shortly.'));
      }
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          const at = waiting.indexOf(waiter);
          if (at !== -1) waiting.splice(at, 1);
          reject(deadlineError());
        };
        const waiter: Waiter = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(releaser());
          },
        };
        waiting.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    stats: () => ({ active, waiting: waiting.length }),
  };
}

function deadlineError(): PartnerError {
  return new PartnerError('UPSTREAM_TIMEOUT', 'Upstream call aborted: the operation deadline passed while it waited for a free slot.');
}
