import { describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore } from '../../src/limits/memory-store.ts';
import { createRateLimiter } from '../../src/limits/rate-limit.ts';
import {
  type BucketState,
  type RateDecision,
  type RateLimitStore,
  takeFromBucket,
} from '../../src/limits/token-bucket.ts';

const perSecond = { ratePerMs: 1 / 1000, capacity: 3 };

describe('takeFromBucket', () => {
  it('starts full, refuses past the capacity, and says how long until enough has refilled', () => {
    let state: BucketState | undefined;
    const decisions: RateDecision[] = [];
    for (let i = 0; i < 4; i++) {
      const step = takeFromBucket(perSecond, state, 1, 0);
      state = step.state;
      decisions.push(step.decision);
    }
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1000 });
    expect(takeFromBucket(perSecond, state, 2, 500).decision.retryAfterMs).toBe(1500);
    expect(takeFromBucket(perSecond, state, 1, 1000).decision.allowed).toBe(true);
  });

  it('never refills past the capacity and takes nothing from a refused request', () => {
    const full = takeFromBucket(perSecond, { tokens: 0, at: 0 }, 1, 1_000_000);
    expect(full.decision).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
    const refused = takeFromBucket(perSecond, { tokens: 1, at: 0 }, 2, 0);
    expect(refused.state.tokens).toBe(1);
  });
});

describe('the memory store', () => {
  it('keeps one bucket per key and forgets the least recently used past maxKeys (handing back a full bucket)', async () => {
    let now = 0;
    const store = createMemoryRateLimitStore({
      shape: { ratePerMs: 1 / 60_000, capacity: 1 },
      maxKeys: 2,
      now: () => now,
    });
    expect((await store.take('a', 1)).allowed).toBe(true);
    expect((await store.take('a', 1)).allowed).toBe(false);
    expect((await store.take('b', 1)).allowed).toBe(true);
    now = 1;
    expect((await store.take('c', 1)).allowed).toBe(true); // 'a' is forgotten
    expect((await store.take('b', 1)).allowed).toBe(false);
    expect((await store.take('a', 1)).allowed).toBe(true);
  });
});

describe('createRateLimiter', () => {
  const settings = { perMinute: 60, burst: 2 };

  it('charges a batch at most the burst, so a batch larger than the burst can still pass once', async () => {
    const limiter = createRateLimiter({ settings, now: () => 0 });
    expect((await limiter.take('k', 10)).allowed).toBe(true);
    expect((await limiter.take('k', 1)).allowed).toBe(false);
    await limiter.close();
  });

  it('falls back to process memory for a while when the shared store fails, and says so', async () => {
    let now = 0;
    let calls = 0;
    const broken: RateLimitStore = {
      take: async () => {
        calls++;
        throw new Error('connection refused');
      },
      close: async () => {},
    };
    const warnings: string[] = [];
    let storeErrors = 0;
    const limiter = createRateLimiter({
      settings,
      store: broken,
      now: () => now,
      warn: (m) => warnings.push(m),
      onStoreError: () => storeErrors++,
    });
    expect((await limiter.take('k', 1)).allowed).toBe(true);
    expect((await limiter.take('k', 1)).allowed).toBe(true);
    expect((await limiter.take('k', 1)).allowed).toBe(false);
    expect(calls).toBe(1);
    expect(storeErrors).toBe(1);
    expect(warnings[0]).toContain('limits on its own');
    now = 5_000;
    await limiter.take('k', 1);
    expect(calls).toBe(2);
    await limiter.close();
  });

  it('refuses a charge past the burst, saying when to come back', async () => {
    const limiter = createRateLimiter({ settings, now: () => 0 });
    expect(await limiter.charge('k', 2)).toBeNull();
    expect(await limiter.charge('k', 1)).toEqual({
      retryAfterSeconds: 1,
      message: 'Too many requests: this token may send 60 operations a minute, 2 at once. Retry after 1 s.',
    });
    expect(await limiter.charge('other', 1)).toBeNull();
  });

  it('is off at 0 a minute: every take allowed', async () => {
    const limiter = createRateLimiter({ settings: { ...settings, perMinute: 0 } });
    expect(limiter.storeKind).toBe('off');
    expect(await limiter.charge('k', 1000)).toBeNull();
    expect((await limiter.take('k', 1000)).allowed).toBe(true);
  });
});
