/** A token bucket: `capacity` tokens at most, refilled continuously at `ratePerMs`. */
export interface BucketShape {
  ratePerMs: number;
  capacity: number;
}

/** What one `take` decided. `retryAfterMs` is 0 when allowed. */
export interface RateDecision {
  allowed: boolean;
  /** Whole tokens left after this take. */
  remaining: number;
  retryAfterMs: number;
}

/** Where buckets live: this process (memory) or every instance (Redis). Keys are caller-key hashes, never tokens. */
export interface RateLimitStore {
  /** Takes `cost` tokens from `key`'s bucket if it holds that many; otherwise takes none. */
  take(key: string, cost: number): Promise<RateDecision>;
  close(): Promise<void>;
}

export interface BucketState {
  tokens: number;
  /** When `tokens` was last computed, in the store's clock (ms). */
  at: number;
}

/** The refill-then-take step shared by the memory store and (in Lua) the Redis store. */
export function takeFromBucket(
  shape: BucketShape,
  state: BucketState | undefined,
  cost: number,
  now: number,
): { state: BucketState; decision: RateDecision } {
  const refilled = state
    ? Math.min(shape.capacity, state.tokens + Math.max(0, now - state.at) * shape.ratePerMs)
    : shape.capacity;
  if (refilled >= cost) {
    const tokens = refilled - cost;
    return { state: { tokens, at: now }, decision: { allowed: true, remaining: Math.floor(tokens), retryAfterMs: 0 } };
  }
  return {
    state: { tokens: refilled, at: now },
    decision: {
      allowed: false,
      remaining: Math.floor(refilled),
      retryAfterMs: Math.ceil((cost - refilled) / shape.ratePerMs),
    },
  };
}

/** How long until a bucket is full again: after that its state can be forgotten. */
export function msUntilFull(shape: BucketShape, state: BucketState): number {
  return Math.ceil((shape.capacity - state.tokens) / shape.ratePerMs);
}
