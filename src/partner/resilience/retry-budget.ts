export interface RetryBudgetOptions {
  /** Retries earned per first attempt: 0.1 lets retries add at most ~10% calls in an outage. */
  ratio: number;
  /** Retries earned per second regardless of traffic, so a quiet instance can still retry. */
  floorPerSecond: number;
  /** The most retries that can be saved up (also the starting balance). */
  capacity: number;
  now: () => number;
}

export interface RetryBudget {
  /** Counts a first attempt (never a retry), which earns `ratio` of a retry. */
  recordCall(): void;
  /** Spends one retry when there is one; false means the call must fail without retrying. */
  tryRetry(): boolean;
  balance(): number;
}

/** A token bucket shared by all endpoints of one instance: retries ≤ ratio·calls + floor·seconds + capacity. */
export function createRetryBudget(options: RetryBudgetOptions): RetryBudget {
  let tokens = options.capacity;
  let last = options.now();
  const refill = () => {
    const now = options.now();
    tokens = Math.min(options.capacity, tokens + (Math.max(0, now - last) / 1000) * options.floorPerSecond);
    last = now;
  };
  return {
    recordCall() {
      refill();
      tokens = Math.min(options.capacity, tokens + options.ratio);
    },
    tryRetry() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    balance() {
      refill();
      return tokens;
    },
  };
}
