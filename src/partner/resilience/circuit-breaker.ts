export type BreakerState = 'closed' | 'open' | 'half-open';

/** How one upstream call went, as far as the endpoint's health is concerned. */
export type BreakerOutcome = 'success' | 'failure' | 'neutral';

export interface CircuitBreakerOptions {
  /** Failures within the window needed to open. */
  failureThreshold: number;
  /** The share of the window's outcomes (0..1) that must also be failures, so rare failures on a busy endpoint never open it. */
  failureRate: number;
  /** The rolling window failures are counted in. */
  windowMs: number;
  /** How long an open breaker fails fast before it lets one probe through. */
  cooldownMs: number;
  now: () => number;
  onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

/** Permission for one call; `probe` marks the single call a half-open breaker lets through. */
export interface BreakerPermit {
  probe: boolean;
}

export interface CircuitBreaker {
  state(): BreakerState;
  /** Null means fail fast: the breaker is open, or half-open with its probe already out. */
  tryAcquire(): BreakerPermit | null;
  record(permit: BreakerPermit, outcome: BreakerOutcome): void;
  /** Milliseconds until an open breaker lets a probe through (0 when not open). */
  retryInMs(): number;
}

const BUCKETS = 10;

interface Bucket {
  start: number;
  successes: number;
  failures: number;
}

/**
 * Closed → open after sustained failures (threshold and rate within a rolling window); open fails
 * fast for the cool-down; then half-open lets one probe through: success closes, failure reopens.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const bucketMs = Math.max(1, Math.ceil(options.windowMs / BUCKETS));
  let buckets: Bucket[] = [];
  let current: BreakerState = 'closed';
  let openedAt = 0;
  let probeOut = false;

  const moveTo = (next: BreakerState) => {
    if (next === current) return;
    const from = current;
    current = next;
    options.onStateChange?.(from, next);
  };
  const state = (): BreakerState => {
    if (current === 'open' && options.now() - openedAt >= options.cooldownMs) {
      probeOut = false;
      moveTo('half-open');
    }
    return current;
  };
  const open = () => {
    openedAt = options.now();
    buckets = [];
    probeOut = false;
    moveTo('open');
  };
  const count = (outcome: 'success' | 'failure') => {
    const now = options.now();
    const start = now - (now % bucketMs);
    buckets = buckets.filter((b) => b.start > now - options.windowMs);
    let bucket = buckets.at(-1);
    if (!bucket || bucket.start !== start) {
      bucket = { start, successes: 0, failures: 0 };
      buckets.push(bucket);
    }
    if (outcome === 'success') bucket.successes++;
    else bucket.failures++;
    const failures = buckets.reduce((n, b) => n + b.failures, 0);
    const total = buckets.reduce((n, b) => n + b.failures + b.successes, 0);
    if (failures >= options.failureThreshold && failures / total >= options.failureRate) open();
  };

  return {
    state,
    tryAcquire() {
      const now = state();
      if (now === 'closed') return { probe: false };
      if (now === 'open' || probeOut) return null;
      probeOut = true;
      return { probe: true };
    },
    record(permit, outcome) {
      if (permit.probe) {
        if (current !== 'half-open') return;
        probeOut = false;
        if (outcome === 'success') {
          buckets = [];
          moveTo('closed');
        } else if (outcome === 'failure') {
          open();
        }
        return;
      }
      // Calls admitted before the breaker opened may end after: they no longer change its state.
      if (current !== 'closed' || outcome === 'neutral') return;
      count(outcome);
    },
    retryInMs() {
      return state() === 'open' ? Math.max(0, options.cooldownMs - (options.now() - openedAt)) : 0;
    },
  };
}
