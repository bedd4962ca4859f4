import { sleep as abortableSleep, remainingMs } from '../../lib/deadline.ts';
import { PartnerError, type PartnerErrorCode, UpstreamConnectionError } from '../errors.ts';
import type { UpstreamHttp, UpstreamRequest, UpstreamStream } from '../http.ts';
import {
  type BreakerOutcome,
  type BreakerState,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from './circuit-breaker.ts';
import { type ConcurrencyLimiterOptions, createConcurrencyLimiter } from './concurrency.ts';
import { createRetryBudget } from './retry-budget.ts';
import { decideRetry, type RetryPolicyOptions, type RetryReason } from './retry-policy.ts';

export interface ResilienceOptions {
  retry: RetryPolicyOptions;
  /** See createRetryBudget; `capacity` defaults to 10 retries. */
  budget: { ratio: number; floorPerSecond: number; capacity?: number };
  breaker: Omit<CircuitBreakerOptions, 'now' | 'onStateChange'>;
  concurrency: ConcurrencyLimiterOptions;
  /** A streamed body's slot is freed after this long even if nobody reads it (the transport's own timeout). */
  callTimeoutMs: number;
  events?: ResilienceEvents;
  /** Injectable for tests: a monotonic clock in ms (default performance.now), [0,1) randomness, an abortable sleep. */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** One logical upstream call (all its attempts), for logs and metrics. */
export interface UpstreamCallInfo {
  endpoint: string;
  method: 'get' | 'stream';
  requestId: string | null;
  /** The last upstream status, null when none arrived. */
  status: number | null;
  /** Null on success. */
  code: PartnerErrorCode | null;
  durationMs: number;
  /** Attempts that reached the transport. */
  attempts: number;
  retries: number;
  /** The endpoint's breaker state after the call. */
  breaker: BreakerState;
  /** Refused by an open breaker without calling the upstream. */
  failedFast: boolean;
  /** A retry was due but the retry budget was spent. */
  retryBudgetExhausted: boolean;
}

export interface RetryInfo {
  endpoint: string;
  requestId: string | null;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  delayMs: number;
  reason: RetryReason;
  status: number | null;
}

export interface BreakerChange {
  endpoint: string;
  from: BreakerState;
  to: BreakerState;
}

/** Hooks for logs and metrics; a listener that throws never affects a call. */
export interface ResilienceEvents {
  onUpstreamCall?(info: UpstreamCallInfo): void;
  onRetry?(info: RetryInfo): void;
  onBreakerStateChange?(change: BreakerChange): void;
}

export interface ResilientHttp extends UpstreamHttp {
  /** Each endpoint's breaker state, for health checks and metrics. */
  breakerStates(): Record<string, BreakerState>;
  stats(): { active: number; waiting: number; retryBudget: number };
}

const DEFAULT_BUDGET_CAPACITY = 10;

/** One logical call as it goes: what its report says when it ends. */
interface CallState {
  request: UpstreamRequest;
  method: UpstreamCallInfo['method'];
  started: number;
  breaker: CircuitBreaker;
  requestId: string | null;
  attempts: number;
  retries: number;
  retried502: boolean;
  failedFast: boolean;
  retryBudgetExhausted: boolean;
}

/**
 * Wraps the transport in the upstream policies, outermost first per attempt: circuit breaker (per
 * endpoint), concurrency limit (per instance), then the call; failed attempts are retried per
 * `decideRetry` while the retry budget and the operation's deadline allow. Every error stays a
 * PartnerError.
 */
export function createResilientHttp(inner: UpstreamHttp, options: ResilienceOptions): ResilientHttp {
  const now = options.now ?? (() => performance.now());
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  const events = options.events ?? {};
  const limiter = createConcurrencyLimiter(options.concurrency);
  const budget = createRetryBudget({
    ...options.budget,
    capacity: options.budget.capacity ?? DEFAULT_BUDGET_CAPACITY,
    now,
  });
  const breakers = new Map<string, CircuitBreaker>();

  const breakerFor = (endpoint: string): CircuitBreaker => {
    let breaker = breakers.get(endpoint);
    if (!breaker) {
      breaker = createCircuitBreaker({
        ...options.breaker,
        now,
        onStateChange: (from, to) => tell(events, events.onBreakerStateChange, { endpoint, from, to }),
      });
      breakers.set(endpoint, breaker);
    }
    return breaker;
  };

  // The report and the failure are functions of the call's state, not closures made per call: the
  // listeners (log line, metrics) run on every upstream call.
  function report(call: CallState, status: number | null, code: PartnerErrorCode | null): void {
    try {
      events.onUpstreamCall?.({
        endpoint: call.request.endpoint,
        method: call.method,
        requestId: call.requestId,
        status,
        code,
        durationMs: Math.round(now() - call.started),
        attempts: call.attempts,
        retries: call.retries,
        failedFast: call.failedFast,
        retryBudgetExhausted: call.retryBudgetExhausted,
        breaker: call.breaker.state(),
      });
    } catch {
      // a broken listener must never break an upstream call
    }
  }

  function fail(call: CallState, error: PartnerError): never {
    report(call, error.upstream.status ?? null, error.code);
    throw error;
  }

  async function run<T extends { status: number }>(
    request: UpstreamRequest,
    method: UpstreamCallInfo['method'],
    send: (request: UpstreamRequest) => Promise<T>,
    keep: (value: T, release: () => void, request: UpstreamRequest) => T,
  ): Promise<T> {
    const started = now();
    const breaker = breakerFor(request.endpoint);
    const call: CallState = {
      request,
      method,
      started,
      breaker,
      requestId: request.headers?.['x-request-id'] ?? null,
      attempts: 0,
      retries: 0,
      retried502: false,
      failedFast: false,
      retryBudgetExhausted: false,
    };
    budget.recordCall();
    let lastError: PartnerError | null = null;

    for (;;) {
      const permit = breaker.tryAcquire();
      if (!permit) {
        call.failedFast = call.attempts === 0;
        return fail(call, lastError ?? breakerOpenError(request.endpoint, breaker.retryInMs()));
      }
      let release: (() => void) | null = null;
      let error: PartnerError;
      try {
        release = await limiter.acquire(request.signal);
        call.attempts++;
        const value = await send(request);
        breaker.record(permit, 'success');
        report(call, value.status, null);
        return keep(value, release, request);
      } catch (thrown) {
        release?.();
        error = asPartnerError(thrown);
        breaker.record(permit, release ? breakerOutcome(error, request.signal) : 'neutral');
      }
      lastError = error;

      const decision = decideRetry(
        {
          error,
          attempt: call.retries + 1,
          retried502: call.retried502,
          remainingMs: remainingMs(request.signal, now()),
        },
        options.retry,
        random,
      );
      if (!decision.retry) return fail(call, error);
      if (!budget.tryRetry()) {
        call.retryBudgetExhausted = true;
        return fail(call, error);
      }
      if (decision.reason === 'bad-gateway') call.retried502 = true;
      tell(events, events.onRetry, {
        endpoint: request.endpoint,
        requestId: call.requestId,
        attempt: call.retries + 1,
        delayMs: decision.delayMs,
        reason: decision.reason,
        status: error.upstream.status ?? null,
      });
      try {
        await sleep(decision.delayMs, request.signal);
      } catch {
        return fail(
          call,
          new PartnerError(
            'UPSTREAM_TIMEOUT',
            'Upstream call aborted: the operation deadline passed while waiting to retry.',
            error.upstream,
          ),
        );
      }
      call.retries++;
    }
  }

  const sendGet = (request: UpstreamRequest) => inner.get(request);
  const keepStream = (value: UpstreamStream, release: () => void, request: UpstreamRequest) =>
    holdUntilRead(value, release, request.signal, options.callTimeoutMs);

  return {
    get: (request) => run(request, 'get', sendGet, releaseAndKeep),
    stream: (request) => run(request, 'stream', () => inner.stream(request), keepStream),
    close: () => inner.close(),
    breakerStates: () => Object.fromEntries([...breakers].map(([endpoint, breaker]) => [endpoint, breaker.state()])),
    stats: () => ({ ...limiter.stats(), retryBudget: budget.balance() }),
  };
}

/** A whole answer frees its concurrency slot as soon as it is in. */
function releaseAndKeep<T>(value: T, release: () => void): T {
  release();
  return value;
}

/** A stream keeps its concurrency slot until its body is read, abandoned, aborted or timed out. */
function holdUntilRead(
  value: UpstreamStream,
  release: () => void,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): UpstreamStream {
  const timer = setTimeout(done, timeoutMs);
  timer.unref();
  signal?.addEventListener('abort', done, { once: true });
  function done() {
    clearTimeout(timer);
    signal?.removeEventListener('abort', done);
    release();
  }
  return { ...value, body: releasing(value.body, done) };
}

async function* releasing(body: AsyncIterable<Buffer>, done: () => void): AsyncGenerator<Buffer> {
  try {
    yield* body;
  } finally {
    done();
  }
}

/** How an attempt's failure bears on the endpoint's health: only the upstream failing counts. */
export function breakerOutcome(error: PartnerError, callerSignal: AbortSignal | undefined): BreakerOutcome {
  if (callerSignal?.aborted) return 'neutral'; // the caller's deadline or disconnect says nothing about the endpoint
  if (error instanceof UpstreamConnectionError) return 'failure';
  if (error.code === 'UPSTREAM_BAD_RESPONSE') return 'neutral';
  const status = error.upstream.status;
  if (status === undefined) return error.code === 'UPSTREAM_TIMEOUT' ? 'failure' : 'neutral';
  if (status >= 500) return 'failure';
  return status === 429 ? 'neutral' : 'success'; // 400/401/403/404: the endpoint is up and answering
}

function breakerOpenError(endpoint: string, retryInMs: number): PartnerError {
  const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
  return new PartnerError(
    'UPSTREAM_UNAVAILABLE',
    `The partner API's ${endpoint} endpoint is failing; calls to it are paused for about ${seconds} s.`,
  );
}

function asPartnerError(error: unknown): PartnerError {
  return error instanceof PartnerError
    ? error
    : new PartnerError('UPSTREAM_UNAVAILABLE', 'The partner API call failed unexpectedly.');
}

/** Calls `listener` (a method of `set`) with `event`, if there is one; what it throws is dropped. */
function tell<E>(set: ResilienceEvents, listener: ((event: E) => void) | undefined, event: E): void {
  try {
    listener?.call(set, event);
  } catch {
    // a broken listener must never break an upstream call
  }
}

/** Every listener set in turn (e.g. the logger's and the metrics'); absent sets are skipped. */
export function combineEvents(...sets: (ResilienceEvents | undefined)[]): ResilienceEvents {
  const present = sets.filter((set): set is ResilienceEvents => set !== undefined);
  return {
    onUpstreamCall: (info) => {
      for (const set of present) tell(set, set.onUpstreamCall, info);
    },
    onRetry: (info) => {
      for (const set of present) tell(set, set.onRetry, info);
    },
    onBreakerStateChange: (change) => {
      for (const set of present) tell(set, set.onBreakerStateChange, change);
    },
  };
}
