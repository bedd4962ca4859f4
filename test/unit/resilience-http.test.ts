import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { deadlineSignal } from '../../src/lib/deadline.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { errorForStatus, PartnerError, UpstreamConnectionError } from '../../src/partner/errors.ts';
import type { UpstreamHttp, UpstreamRequest, UpstreamResponse, UpstreamStream } from '../../src/partner/http.ts';
import {
  createResilientHttp,
  type ResilienceOptions,
  type UpstreamCallInfo,
} from '../../src/partner/resilience/resilient-http.ts';

type Step = UpstreamResponse | PartnerError;

/** A transport that answers from a script and counts calls; never touches the network. */
function scripted(steps: Step[]): UpstreamHttp & { calls: number } {
  const fake = {
    calls: 0,
    async get(): Promise<UpstreamResponse> {
      const step = steps[Math.min(fake.calls, steps.length - 1)];
      fake.calls++;
      if (!step) throw new Error('empty script');
      if (step instanceof PartnerError) throw step;
      return step;
    },
    async stream(): Promise<UpstreamStream> {
      fake.calls++;
      return {
        status: 200,
        contentType: 'application/pdf',
        contentLength: 3,
        body: (async function* () {
          yield Buffer.from('pdf');
        })(),
      };
    },
    close: async () => undefined,
  };
  return fake;
}

const OK: UpstreamResponse = { status: 200, body: Buffer.from('{}'), contentType: 'application/json' };
const request: UpstreamRequest = {
  endpoint: 'invoices',
  path: '/partner/invoices',
  token: 't',
  headers: { 'x-request-id': 'r-1' },
};

function options(
  overrides: Partial<ResilienceOptions> = {},
): ResilienceOptions & { slept: number[]; calls: UpstreamCallInfo[] } {
  const slept: number[] = [];
  const calls: UpstreamCallInfo[] = [];
  return {
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
    budget: { ratio: 0.1, floorPerSecond: 0, capacity: 10 },
    breaker: { failureThreshold: 5, failureRate: 0.5, windowMs: 10_000, cooldownMs: 1_000 },
    concurrency: { maxConcurrent: 4, maxQueue: 10 },
    callTimeoutMs: 1_000,
    random: () => 0.5,
    sleep: async (ms) => void slept.push(ms),
    events: { onUpstreamCall: (info) => void calls.push(info) },
    slept,
    calls,
    ...overrides,
  };
}

describe('createResilientHttp', () => {
  it('retries a 503 up to the attempt limit with jittered backoff, then fails with the upstream error', async () => {
    const inner = scripted([errorForStatus(503, {})]);
    const o = options();
    const http = createResilientHttp(inner, o);
    await expect(http.get(request)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: { status: 503 } });
    expect(inner.calls).toBe(3);
    expect(o.slept).toEqual([50, 100]);
    expect(o.calls).toEqual([
      expect.objectContaining({
        endpoint: 'invoices',
        requestId: 'r-1',
        status: 503,
        attempts: 3,
        retries: 2,
        code: 'UPSTREAM_UNAVAILABLE',
      }),
    ]);
  });

  it('succeeds on a retry after a dropped connection', async () => {
    const inner = scripted([new UpstreamConnectionError(), OK]);
    const o = options();
    await expect(createResilientHttp(inner, o).get(request)).resolves.toBe(OK);
    expect(inner.calls).toBe(2);
    expect(o.calls[0]).toMatchObject({ status: 200, code: null, retries: 1 });
  });

  it('retries a 502 once only', async () => {
    const inner = scripted([errorForStatus(502, {})]);
    await expect(createResilientHttp(inner, options()).get(request)).rejects.toMatchObject({
      upstream: { status: 502 },
    });
    expect(inner.calls).toBe(2);
  });

  it('stops retrying when the budget is spent', async () => {
    const inner = scripted([errorForStatus(503, {})]);
    const o = options({ budget: { ratio: 0, floorPerSecond: 0, capacity: 1 } });
    const http = createResilientHttp(inner, o);
    await expect(http.get(request)).rejects.toBeInstanceOf(PartnerError);
    expect(inner.calls).toBe(2);
    expect(o.calls[0]).toMatchObject({ retryBudgetExhausted: true, retries: 1 });
  });

  it('opens the breaker after sustained failures and then fails fast without calling the upstream', async () => {
    const inner = scripted([errorForStatus(500, {})]);
    const o = options({ breaker: { failureThreshold: 2, failureRate: 0.5, windowMs: 10_000, cooldownMs: 60_000 } });
    const http = createResilientHttp(inner, o);
    await expect(http.get(request)).rejects.toMatchObject({ upstream: { status: 500 } });
    await expect(http.get(request)).rejects.toMatchObject({ upstream: { status: 500 } });
    expect(http.breakerStates()).toEqual({ invoices: 'open' });
    await expect(http.get(request)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: expect.stringMatching(/invoices endpoint is failing/),
    });
    expect(inner.calls).toBe(2);
    expect(o.calls.at(-1)).toMatchObject({ failedFast: true, attempts: 0, breaker: 'open' });
    await expect(http.get({ ...request, endpoint: 'customers' })).rejects.toMatchObject({ upstream: { status: 500 } });
    expect(inner.calls).toBe(3); // one breaker per endpoint
  });

  it('turns a deadline that passes during the backoff into UPSTREAM_TIMEOUT without another call', async () => {
    const inner = scripted([errorForStatus(503, {})]);
    const controller = new AbortController();
    const o = options({
      sleep: async () => {
        controller.abort();
        throw new Error('aborted');
      },
    });
    await expect(createResilientHttp(inner, o).get({ ...request, signal: controller.signal })).rejects.toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
    });
    expect(inner.calls).toBe(1);
  });

  it('does not wait for a Retry-After that the deadline cannot cover', async () => {
    const inner = scripted([errorForStatus(429, {}, 30)]);
    const o = options();
    const error = await createResilientHttp(inner, o)
      .get({ ...request, signal: deadlineSignal(5_000) })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 30 });
    expect(inner.calls).toBe(1);
    expect(o.slept).toEqual([]);
  });

  it('a stream keeps its concurrency slot until its body has been read', async () => {
    const inner = scripted([OK]);
    const http = createResilientHttp(inner, options());
    const stream = await http.stream({ ...request, endpoint: 'invoiceFile', accept: 'application/pdf' });
    expect(http.stats().active).toBe(1);
    const chunks: Buffer[] = [];
    for await (const chunk of stream.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('pdf');
    expect(http.stats().active).toBe(0);
  });

  it('a listener that throws never breaks a call', async () => {
    const inner = scripted([OK]);
    const o = options({
      events: {
        onUpstreamCall: () => {
          throw new Error('broken metrics');
        },
      },
    });
    await expect(createResilientHttp(inner, o).get(request)).resolves.toBe(OK);
  });
});

describe('the logger', () => {
  it('redacts authorization, cookies, tokens and tickets wherever they sit, by configuration', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      {
        authorization: 'Bearer secret-a',
        token: 'secret-b',
        headers: { authorization: 'Bearer secret-c', cookie: 'session=secret-d', 'set-cookie': 'secret-e' },
        req: { headers: { authorization: 'Bearer secret-f', cookie: 'secret-g' } },
        download: { ticket: 'secret-h' },
      },
      'line',
    );
    const text = lines.join('');
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/secret-/);
  });
});
