import { describe, expect, it } from 'vitest';
import { deadlineSignal, remainingMs } from '../../src/lib/deadline.ts';
import { errorForStatus, PartnerError, UpstreamConnectionError } from '../../src/partner/errors.ts';
import { type BreakerState, createCircuitBreaker } from '../../src/partner/resilience/circuit-breaker.ts';
import { createConcurrencyLimiter } from '../../src/partner/resilience/concurrency.ts';
import { createRetryBudget } from '../../src/partner/resilience/retry-budget.ts';
import { backoffMs, decideRetry, type FailedAttempt } from '../../src/partner/resilience/retry-policy.ts';

const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };
const failed = (error: PartnerError, attempt = 1, extra: Partial<FailedAttempt> = {}): FailedAttempt => ({
  error,
  attempt,
  retried502: false,
  remainingMs: Number.POSITIVE_INFINITY,
  ...extra,
});
const status = (code: number, retryAfter?: number) => errorForStatus(code, {}, retryAfter);

function fakeClock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('backoff with full jitter', () => {
  it('is uniform below a ceiling that doubles per attempt and stops at the maximum', () => {
    expect(backoffMs(1, policy, () => 0)).toBe(0);
    expect(backoffMs(1, policy, () => 0.999)).toBe(99);
    expect(backoffMs(2, policy, () => 0.5)).toBe(100);
    expect(backoffMs(3, policy, () => 0.5)).toBe(200);
    expect(backoffMs(10, policy, () => 0.999)).toBe(999);
  });
});

describe('decideRetry', () => {
  it.each([429, 503, 504])('retries %i until the attempts run out', (code) => {
    expect(decideRetry(failed(status(code), 1), policy, () => 0.5).retry).toBe(true);
    expect(decideRetry(failed(status(code), 2), policy, () => 0.5).retry).toBe(true);
    expect(decideRetry(failed(status(code), 3), policy, () => 0.5)).toEqual({
      retry: false,
      reason: 'attempts exhausted',
    });
  });

  it('retries a connection that failed before any answer', () => {
    expect(decideRetry(failed(new UpstreamConnectionError()), policy, () => 0.5)).toMatchObject({
      retry: true,
      reason: 'connection',
    });
  });

  it('retries 502 at most once: the partner API also answers bad input with 502', () => {
    expect(decideRetry(failed(status(502), 1), policy, () => 0.5)).toMatchObject({
      retry: true,
      reason: 'bad-gateway',
    });
    expect(decideRetry(failed(status(502), 2, { retried502: true }), policy, () => 0.5).retry).toBe(false);
  });

  it.each([400, 401, 403, 404, 500])('never retries %i', (code) => {
    expect(decideRetry(failed(status(code)), policy, () => 0.5).retry).toBe(false);
  });

  it('never retries our own timeouts, bad answers or anything without an upstream verdict', () => {
    for (const error of [
      new PartnerError('UPSTREAM_TIMEOUT', 'timed out'),
      new PartnerError('UPSTREAM_BAD_RESPONSE', 'garbage', { status: 200 }),
      new PartnerError('UPSTREAM_UNAVAILABLE', 'breaker open'),
    ]) {
      expect(decideRetry(failed(error), policy, () => 0.5).retry).toBe(false);
    }
  });

  it('waits at least Retry-After, and gives up at once when Retry-After is beyond the deadline', () => {
    expect(decideRetry(failed(status(429, 2), 1, { remainingMs: 5_000 }), policy, () => 0.5)).toEqual({
      retry: true,
      delayMs: 2_000,
      reason: 'rate-limited',
    });
    expect(decideRetry(failed(status(503, 2), 1, { remainingMs: 5_000 }), policy, () => 0.5)).toMatchObject({
      retry: true,
      delayMs: 2_000,
    });
    expect(decideRetry(failed(status(429, 30), 1, { remainingMs: 5_000 }), policy, () => 0.5)).toEqual({
      retry: false,
      reason: 'Retry-After is beyond the deadline',
    });
  });

  it('gives up when even the backoff would outlast the deadline', () => {
    expect(decideRetry(failed(status(503), 1, { remainingMs: 10 }), policy, () => 0.5).retry).toBe(false);
  });
});

describe('retry budget', () => {
  it('lets retries add at most ratio × calls (plus the saved capacity) during an outage', () => {
    const clock = fakeClock();
    const budget = createRetryBudget({ ratio: 0.1, floorPerSecond: 0, capacity: 10, now: clock.now });
    let retries = 0;
    for (let i = 0; i < 1_000; i++) {
      budget.recordCall();
      if (budget.tryRetry()) retries++;
    }
    expect(retries).toBeLessThanOrEqual(0.1 * 1_000 + 10);
    expect(retries).toBeGreaterThanOrEqual(0.1 * 1_000);
  });

  it('refills at the floor rate when traffic is quiet, up to its capacity', () => {
    const clock = fakeClock();
    const budget = createRetryBudget({ ratio: 0.1, floorPerSecond: 2, capacity: 3, now: clock.now });
    while (budget.tryRetry());
    expect(budget.tryRetry()).toBe(false);
    clock.advance(500);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    clock.advance(60_000);
    expect(budget.balance()).toBe(3);
  });
});

describe('circuit breaker', () => {
  const options = { failureThreshold: 3, failureRate: 0.5, windowMs: 10_000, cooldownMs: 1_000 };

  function breaker() {
    const clock = fakeClock(1_000_000);
    const changes: [BreakerState, BreakerState][] = [];
    const b = createCircuitBreaker({
      ...options,
      now: clock.now,
      onStateChange: (from, to) => changes.push([from, to]),
    });
    const fail = () => {
      const permit = b.tryAcquire();
      if (permit) b.record(permit, 'failure');
      return permit;
    };
    return { b, clock, changes, fail };
  }

  it('opens after the threshold of failures and then fails fast for the cool-down', () => {
    const { b, fail, changes } = breaker();
    fail();
    fail();
    expect(b.state()).toBe('closed');
    fail();
    expect(b.state()).toBe('open');
    expect(b.tryAcquire()).toBeNull();
    expect(b.retryInMs()).toBe(1_000);
    expect(changes).toEqual([['closed', 'open']]);
  });

  it("stays closed while failures are a small share of a busy endpoint's calls", () => {
    const { b, fail } = breaker();
    for (let i = 0; i < 100; i++) {
      const permit = b.tryAcquire();
      if (permit) b.record(permit, i % 10 === 0 ? 'failure' : 'success');
    }
    fail();
    fail();
    expect(b.state()).toBe('closed');
  });

  it('forgets failures older than the window', () => {
    const { b, fail, clock } = breaker();
    fail();
    fail();
    clock.advance(11_000);
    fail();
    expect(b.state()).toBe('closed');
  });

  it('after the cool-down lets exactly one probe through; success closes it', () => {
    const { b, fail, clock, changes } = breaker();
    fail();
    fail();
    fail();
    clock.advance(1_000);
    expect(b.state()).toBe('half-open');
    const probe = b.tryAcquire();
    expect(probe).toEqual({ probe: true });
    expect(b.tryAcquire()).toBeNull();
    if (probe) b.record(probe, 'success');
    expect(b.state()).toBe('closed');
    expect(changes.map(([, to]) => to)).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed probe reopens it for another cool-down; a neutral one frees the probe slot', () => {
    const { b, fail, clock } = breaker();
    fail();
    fail();
    fail();
    clock.advance(1_000);
    const neutral = b.tryAcquire();
    if (neutral) b.record(neutral, 'neutral');
    expect(b.state()).toBe('half-open');
    fail();
    expect(b.state()).toBe('open');
    clock.advance(999);
    expect(b.tryAcquire()).toBeNull();
  });
});

describe('concurrency limiter', () => {
  it('admits up to the bound, queues in order, and rejects beyond the queue', async () => {
    const limiter = createConcurrencyLimiter({ maxConcurrent: 2, maxQueue: 1 });
    const a = await limiter.acquire();
    await limiter.acquire();
    const queued = limiter.acquire();
    await expect(limiter.acquire()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(limiter.stats()).toEqual({ active: 2, waiting: 1 });
    a();
    a(); // releasing twice frees one slot only
    const c = await queued;
    expect(limiter.stats()).toEqual({ active: 2, waiting: 0 });
    c();
    expect(limiter.stats()).toEqual({ active: 1, waiting: 0 });
  });

  it('a waiter whose deadline passes leaves the queue with UPSTREAM_TIMEOUT', async () => {
    const limiter = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 5 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(limiter.stats()).toEqual({ active: 1, waiting: 0 });
  });
});

describe('deadline signal', () => {
  it('tells how much time is left, and nothing is left once aborted', () => {
    const clock = fakeClock(500);
    const signal = deadlineSignal(2_000, undefined, clock.now);
    expect(remainingMs(signal, 1_500)).toBe(1_000);
    expect(remainingMs(undefined, 0)).toBe(Number.POSITIVE_INFINITY);
    const parent = new AbortController();
    const child = deadlineSignal(2_000, parent.signal, clock.now);
    parent.abort();
    expect(remainingMs(child, 500)).toBe(0);
  });
});
