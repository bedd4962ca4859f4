import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultRule, RecordedCall } from '../../src/sandbox/index.ts';
import { type GraphQLBody, type Stack, startStack } from '../support/stack.ts';

/** Three root fields: a fault on one endpoint must null that field only. */
const OVERVIEW = `query Overview {
  customers(first: 2) { nodes { id } }
  invoices(first: 2) { nodes { id amount } }
  subscriptions(first: 2) { nodes { id } }
}`;
const ROOTS = ['customers', 'invoices', 'subscriptions'] as const;

// Short timeouts and backoffs keep the suite fast; no kept pages, so every request calls upstream.
const FAST = {
  UPSTREAM_TIMEOUT_MS: '1000',
  OPERATION_DEADLINE_MS: '5000',
  UPSTREAM_RETRY_BASE_MS: '10',
  UPSTREAM_RETRY_MAX_DELAY_MS: '40',
  UPSTREAM_RETRY_BUDGET_FLOOR_PER_SEC: '1000',
  BREAKER_FAILURE_THRESHOLD: '100000',
  KEPT_PAGE_TTL_MS: '0',
  RATE_LIMIT_PER_MINUTE: '0', // the facade's own per-caller limit is not under test here
};

async function timed(stack: Stack, query = OVERVIEW, headers?: Record<string, string>) {
  const started = performance.now();
  const res = await stack.gql(query, undefined, headers);
  return { ...res, ms: performance.now() - started };
}

function expectOthersIntact(body: GraphQLBody, failed: string): void {
  for (const root of ROOTS.filter((r) => r !== failed)) {
    expect((body.data?.[root] as { nodes: unknown[] } | null)?.nodes).toHaveLength(2);
  }
  expect(body.errors?.every((e) => e.path?.[0] === failed)).toBe(true);
}

async function expectHealthy(stack: Stack): Promise<void> {
  const { status, body } = await stack.gql(OVERVIEW);
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  for (const root of ROOTS) expect((body.data?.[root] as { nodes: unknown[] }).nodes).toHaveLength(2);
}

// The upstream's page-token parameter per endpoint: a call without it fetched a first page (the
// connections also look ahead with a token, to make hasNextPage exact).
const TOKEN_PARAM = { customers: 'queryMore', invoices: 'cursor', subscriptions: 'queryMore' } as const;

/** Calls that fetched the endpoint's first page: the ones a fault on a root field is about. */
function firstPageCalls(stack: Stack, endpoint: keyof typeof TOKEN_PARAM): number {
  return stack.sandbox.calls.list({ endpoint }).filter((c) => c.query[TOKEN_PARAM[endpoint]] === undefined).length;
}

/** Most calls the sandbox was ever handling at the same moment. */
function maxInFlight(calls: RecordedCall[]): number {
  const edges = calls.flatMap((c) => [
    { t: c.startedAt, d: 1 },
    { t: c.endedAt ?? Number.POSITIVE_INFINITY, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}

describe('every sandbox fault on one endpoint', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: FAST });
    await stack.gql(OVERVIEW); // the sandbox builds its records on first use
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.sandbox.faults.clear();
    stack.sandbox.calls.clear();
  });

  const cases: [string, FaultRule, { code: string; calls: number; status?: number; maxMs: number }][] = [
    [
      'latency past the call timeout',
      { kind: 'latency', ms: 10_000 },
      { code: 'UPSTREAM_TIMEOUT', calls: 1, maxMs: 3_000 },
    ],
    ['a hang (never answers)', { kind: 'hang' }, { code: 'UPSTREAM_TIMEOUT', calls: 1, maxMs: 3_000 }],
    [
      'HTTP 500',
      { kind: 'status', status: 500 },
      { code: 'UPSTREAM_UNAVAILABLE', calls: 1, status: 500, maxMs: 2_500 },
    ],
    [
      'HTTP 502 (retried once: also the answer to bad input)',
      { kind: 'status', status: 502 },
      { code: 'UPSTREAM_UNAVAILABLE', calls: 2, status: 502, maxMs: 2_500 },
    ],
    [
      'HTTP 503',
      { kind: 'status', status: 503 },
      { code: 'UPSTREAM_UNAVAILABLE', calls: 3, status: 503, maxMs: 2_500 },
    ],
    ['HTTP 504', { kind: 'status', status: 504 }, { code: 'UPSTREAM_TIMEOUT', calls: 3, status: 504, maxMs: 2_500 }],
    ['HTTP 401', { kind: 'status', status: 401 }, { code: 'UNAUTHENTICATED', calls: 1, status: 401, maxMs: 2_500 }],
    ['HTTP 403', { kind: 'status', status: 403 }, { code: 'FORBIDDEN', calls: 1, status: 403, maxMs: 2_500 }],
    ['HTTP 404', { kind: 'status', status: 404 }, { code: 'NOT_FOUND', calls: 1, status: 404, maxMs: 2_500 }],
    ['a dropped connection', { kind: 'drop' }, { code: 'UPSTREAM_UNAVAILABLE', calls: 3, maxMs: 2_500 }],
    [
      'malformed JSON',
      { kind: 'malformedJson' },
      { code: 'UPSTREAM_BAD_RESPONSE', calls: 1, status: 200, maxMs: 2_500 },
    ],
    ['a truncated body', { kind: 'truncated' }, { code: 'UPSTREAM_BAD_RESPONSE', calls: 1, status: 200, maxMs: 2_500 }],
    [
      'a record of the wrong shape',
      { kind: 'wrongShape' },
      { code: 'UPSTREAM_BAD_RESPONSE', calls: 1, status: 200, maxMs: 2_500 },
    ],
    [
      '429 with a Retry-After beyond the deadline',
      { kind: 'rateLimit', retryAfter: 60 },
      { code: 'RATE_LIMITED', calls: 1, status: 429, maxMs: 2_500 },
    ],
  ];

  it.each(cases)(
    '%s: the documented code, exact upstream calls, bounded time, other fields intact',
    async (_label, fault, expected) => {
      stack.sandbox.faults.add({ endpoint: 'invoices', ...fault });
      const { status, body, ms } = await timed(stack);
      expect(status).toBe(200);
      expect(body.data?.['invoices']).toBeNull();
      expect(body.errors).toHaveLength(1);
      const [error] = body.errors ?? [];
      expect(error?.path).toEqual(['invoices']);
      expect(error?.extensions?.['code']).toBe(expected.code);
      if (expected.status !== undefined)
        expect(error?.extensions?.['upstream']).toMatchObject({ status: expected.status });
      expect(JSON.stringify(error)).not.toMatch(/stack|at \w+ \(|Error:/);
      expectOthersIntact(body, 'invoices');
      expect(stack.sandbox.calls.count({ endpoint: 'invoices' })).toBe(expected.calls);
      expect(ms).toBeLessThan(expected.maxMs);

      stack.sandbox.faults.clear();
      await expectHealthy(stack);
    },
  );

  it('429 honours Retry-After: waits it out between attempts, then RATE_LIMITED with retryAfter', async () => {
    stack.sandbox.faults.add({ endpoint: 'invoices', kind: 'rateLimit', retryAfter: 1 });
    const { body, ms } = await timed(stack);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfter: 1,
      upstream: { status: 429 },
    });
    expect(stack.sandbox.calls.count({ endpoint: 'invoices' })).toBe(3);
    const starts = stack.sandbox.calls.list({ endpoint: 'invoices' }).map((c) => c.startedAt);
    for (let i = 1; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 1] ?? 0)).toBeGreaterThanOrEqual(990);
    expect(ms).toBeLessThan(6_000);
    expectOthersIntact(body, 'invoices');
  });

  it('one 429 then success: the caller sees data, after one retry', async () => {
    stack.sandbox.faults.add({ endpoint: 'invoices', kind: 'rateLimit', retryAfter: 0, times: 1 });
    const { body } = await timed(stack);
    expect(body.errors).toBeUndefined();
    expect(firstPageCalls(stack, 'invoices')).toBe(2);
  });

  it('a transient 503 or dropped connection is invisible to the caller', async () => {
    stack.sandbox.faults.add({ endpoint: 'invoices', kind: 'status', status: 503, times: 1 });
    stack.sandbox.faults.add({ endpoint: 'customers', kind: 'drop', times: 1 });
    const { body } = await timed(stack);
    expect(body.errors).toBeUndefined();
    expect(firstPageCalls(stack, 'invoices')).toBe(2);
    expect(firstPageCalls(stack, 'customers')).toBe(2);
  });

  it('faults on every endpoint at once: all three fields null with their own paths, and still HTTP 200', async () => {
    stack.sandbox.faults.add({ kind: 'status', status: 500 });
    const { status, body } = await timed(stack);
    expect(status).toBe(200);
    expect(body.data).toEqual({ customers: null, invoices: null, subscriptions: null });
    expect(body.errors?.map((e) => e.path?.[0]).sort()).toEqual([...ROOTS]);
    stack.sandbox.faults.clear();
    await expectHealthy(stack);
  });
});

describe('the operation deadline', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST, UPSTREAM_TIMEOUT_MS: '5000', OPERATION_DEADLINE_MS: '400' } });
  });
  afterAll(() => stack.close());

  it('aborts a slow call when the whole operation runs out of time: UPSTREAM_TIMEOUT', async () => {
    stack.sandbox.faults.set([{ endpoint: 'subscriptions', kind: 'latency', ms: 10_000 }]);
    const { body, ms } = await timed(stack);
    expect(body.errors?.[0]).toMatchObject({ path: ['subscriptions'], extensions: { code: 'UPSTREAM_TIMEOUT' } });
    expect(body.errors?.[0]?.message).toMatch(/deadline/);
    expectOthersIntact(body, 'subscriptions');
    expect(ms).toBeLessThan(3_000);
    stack.sandbox.faults.clear();
    await expectHealthy(stack);
  });

  it('does not retry into a Retry-After longer than what is left', async () => {
    stack.sandbox.calls.clear();
    stack.sandbox.faults.set([{ endpoint: 'customers', kind: 'rateLimit', retryAfter: 1 }]);
    const { body, ms } = await timed(stack);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
    expect(stack.sandbox.calls.count({ endpoint: 'customers' })).toBe(1);
    expect(ms).toBeLessThan(1_000);
    stack.sandbox.faults.clear();
  });
});

describe('the circuit breaker', () => {
  let stack: Stack;
  const lines: string[] = [];
  beforeAll(async () => {
    stack = await startStack({
      env: { ...FAST, BREAKER_FAILURE_THRESHOLD: '3', BREAKER_COOLDOWN_MS: '500', LOG_LEVEL: 'info' },
      deps: { logDestination: { write: (line: string) => void lines.push(line) } },
    });
  });
  afterAll(() => stack.close());

  it('opens after sustained failures, fails fast with no upstream call, then a probe closes it', async () => {
    stack.sandbox.faults.set([{ endpoint: 'invoices', kind: 'status', status: 500 }]);
    for (let i = 0; i < 3; i++) await stack.gql(OVERVIEW);
    expect(stack.sandbox.calls.count({ endpoint: 'invoices' })).toBe(3);

    stack.sandbox.calls.clear();
    const fast = await timed(stack);
    expect(fast.body.errors?.[0]).toMatchObject({ path: ['invoices'], extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(fast.body.errors?.[0]?.message).toMatch(/paused/);
    expectOthersIntact(fast.body, 'invoices');
    expect(stack.sandbox.calls.count({ endpoint: 'invoices' })).toBe(0);
    expect(lines.some((l) => /"msg":"circuit breaker open"/.test(l) && /"endpoint":"invoices"/.test(l))).toBe(true);

    stack.sandbox.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 600));
    await expectHealthy(stack);
    expect(firstPageCalls(stack, 'invoices')).toBe(1);
    expect(lines.some((l) => /"msg":"circuit breaker closed"/.test(l))).toBe(true);
  });

  it('a failed probe reopens it for another cool-down', async () => {
    stack.sandbox.faults.set([{ endpoint: 'customers', kind: 'status', status: 503 }]);
    for (let i = 0; i < 3; i++) await stack.gql(OVERVIEW);
    await new Promise((resolve) => setTimeout(resolve, 600));
    stack.sandbox.calls.clear();
    const probe = await stack.gql(OVERVIEW);
    expect(probe.body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect(stack.sandbox.calls.count({ endpoint: 'customers' })).toBe(1); // the probe, not retried into an open breaker
    await stack.gql(OVERVIEW);
    expect(stack.sandbox.calls.count({ endpoint: 'customers' })).toBe(1);
    stack.sandbox.faults.clear();
  });
});

describe('bounds on upstream calls', () => {
  it('never has more calls in flight than UPSTREAM_MAX_CONCURRENT, however many clients arrive', async () => {
    const stack = await startStack({ env: { ...FAST, UPSTREAM_TIMEOUT_MS: '5000', UPSTREAM_MAX_CONCURRENT: '3' } });
    try {
      stack.sandbox.faults.set([{ kind: 'latency', ms: 60 }]);
      const results = await Promise.all(Array.from({ length: 12 }, () => stack.gql(OVERVIEW)));
      for (const { body } of results) expect(body.errors).toBeUndefined();
      const calls = stack.sandbox.calls.list();
      expect(calls.length).toBeGreaterThanOrEqual(36);
      expect(maxInFlight(calls)).toBe(3);
    } finally {
      await stack.close();
    }
  });

  it('never opens more sockets than UPSTREAM_MAX_SOCKETS', async () => {
    const stack = await startStack({ env: { ...FAST, UPSTREAM_TIMEOUT_MS: '5000', UPSTREAM_MAX_SOCKETS: '2' } });
    try {
      stack.sandbox.faults.set([{ kind: 'latency', ms: 40 }]);
      await Promise.all(Array.from({ length: 8 }, () => stack.gql(OVERVIEW)));
      expect(maxInFlight(stack.sandbox.calls.list())).toBe(2);
    } finally {
      await stack.close();
    }
  });

  it('the retry budget keeps retries near 10% of calls during an outage', async () => {
    const stack = await startStack({
      env: { ...FAST, UPSTREAM_RETRY_BUDGET_RATIO: '0.1', UPSTREAM_RETRY_BUDGET_FLOOR_PER_SEC: '0' },
    });
    try {
      stack.sandbox.faults.set([{ endpoint: 'invoices', kind: 'status', status: 503 }]);
      const query = '{ invoices(first: 1) { nodes { id } } }';
      for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 20 }, () => stack.gql(query)));
      const calls = stack.sandbox.calls.count({ endpoint: 'invoices' });
      expect(calls).toBeGreaterThanOrEqual(200);
      expect(calls).toBeLessThanOrEqual(200 + 0.1 * 200 + 10); // first attempts + earned + saved capacity
    } finally {
      await stack.close();
    }
  });
});

describe('logs', () => {
  let stack: Stack;
  const lines: string[] = [];
  beforeAll(async () => {
    stack = await startStack({
      env: { ...FAST, LOG_LEVEL: 'trace' },
      deps: { logDestination: { write: (line: string) => void lines.push(line) } },
    });
  });
  afterAll(() => stack.close());
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it('one line per request and per upstream call, tied together by the request id the upstream also saw', async () => {
    lines.length = 0;
    stack.sandbox.calls.clear();
    stack.sandbox.faults.set([{ endpoint: 'invoices', kind: 'status', status: 503, times: 1 }]);
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.orgA.token}`,
        'x-request-id': 'req-abc-123',
      },
      body: JSON.stringify({ query: OVERVIEW }),
    });
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    await res.json();
    const requestLines = parsed().filter((l) => l['msg'] === 'graphql request');
    expect(requestLines).toEqual([
      expect.objectContaining({ requestId: 'req-abc-123', operationName: 'Overview', status: 200, codes: [] }),
    ]);
    expect(requestLines[0]?.['durationMs']).toEqual(expect.any(Number));
    const upstream = parsed().filter((l) => l['msg'] === 'upstream call');
    expect(new Set(upstream.map((l) => l['endpoint']))).toEqual(new Set(['customers', 'invoices', 'subscriptions']));
    for (const line of upstream)
      expect(line).toMatchObject({ requestId: 'req-abc-123', durationMs: expect.any(Number), status: 200 });
    expect(upstream.find((l) => l['endpoint'] === 'invoices' && l['retries'] !== 0)).toMatchObject({
      requestId: 'req-abc-123',
      status: 200,
      retries: 1,
      attempts: 2,
      breaker: 'closed',
    });
    expect(stack.sandbox.calls.list().every((c) => c.headers['x-request-id'] === 'req-abc-123')).toBe(true);
  });

  it('generates a request id when the caller sends none or a malformed one, and forwards that', async () => {
    for (const sent of [undefined, 'bad id with spaces and "quotes"']) {
      stack.sandbox.calls.clear();
      const res = await fetch(stack.graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.orgA.token}`,
          ...(sent ? { 'x-request-id': sent } : {}),
        },
        body: JSON.stringify({ query: '{ customers(first: 1) { nodes { id } } }' }),
      });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(stack.sandbox.calls.list()[0]?.headers['x-request-id']).toBe(id);
    }
  });

  it('never holds the bearer token or the cookie, whatever happens', async () => {
    lines.length = 0;
    const cookie = 'session=cookie-value-that-must-not-leak';
    const headers = { cookie, 'x-request-id': 'leak-check' };
    stack.sandbox.faults.set([
      { endpoint: 'invoices', kind: 'status', status: 503 },
      { endpoint: 'customers', kind: 'malformedJson' },
    ]);
    await stack.gql(OVERVIEW, undefined, headers);
    stack.sandbox.faults.clear();
    await stack.gql(OVERVIEW, undefined, headers);
    await stack.gql(OVERVIEW, undefined, { ...headers, authorization: 'Bearer not-a-known-token-x1' });
    await stack.gql('{ nope }', undefined, headers);
    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(8);
    expect(text).toContain('leak-check');
    for (const secret of [stack.orgA.token, 'not-a-known-token-x1', 'cookie-value-that-must-not-leak'])
      expect(text).not.toContain(secret);
  });
});
