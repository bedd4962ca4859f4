/** Thrown by acquire() when the queue is full: the caller should answer 503 and let the client retry. */
export class SemaphoreFullError extends Error {
  override name = 'SemaphoreFullError';
}

export interface Semaphore {
  /** Resolves with a release function once a permit is free; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Permits in use and callers waiting, for tests and metrics. */
  stats(): { active: number; waiting: number };
}

/** At most `permits` holders at once and at most `maxWaiting` in line (first come, first served). */
export function createSemaphore(permits: number, maxWaiting: number): Semaphore {
  let active = 0;
  const waiting: { grant: () => void }[] = [];

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
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < permits) {
        active++;
        return Promise.resolve(releaser());
      }
      if (waiting.length >= maxWaiting) return Promise.reject(new SemaphoreFullError('Too many are waiting.'));
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          const at = waiting.indexOf(entry);
          if (at !== -1) waiting.splice(at, 1);
          reject(signal?.reason);
        };
        const entry = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(releaser());
          },
        };
        waiting.push(entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    stats: () => ({ active, waiting: waiting.length }),
  };
}
