import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

/** The value of one Prometheus sample whose labels include `labels`; null when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return null;
}

async function getMetrics(stack: Stack, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${stack.origin}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

describe('/metrics', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      env: { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '1', UPSTREAM_RETRY_BASE_MS: '1' },
    });
  });
  afterAll(() => stack.close());

  it('exposes operations, upstream calls, retries, breaker state and rate-limit rejections after traffic, with no secret in any label', async () => {
    expect((await stack.gql('query Invoices { invoices(first: 1) { nodes { id } } }')).status).toBe(200);
    expect((await stack.gql('query Invoices { invoices(first: 1) { nodes { id } } }')).status).toBe(429);
    stack.sandbox.faults.add({ kind: 'status', status: 503, endpoint: 'customers', times: 1 });
    const customers = await stack.gql('query Customers { customers(first: 1) { nodes { id } } }', undefined, {
      authorization: `Bearer ${stack.orgB.token}`,
    });
    expect(customers.status).toBe(200);
    expect(customers.body.errors).toBeUndefined();

    const text = await getMetrics(stack);
    expect(sample(text, 'partner_graph_graphql_operations_total', { operation: 'Invoices', outcome: 'success' })).toBe(
      1,
    );
    expect(
      sample(text, 'partner_graph_graphql_operation_duration_seconds_count', {
        operation: 'Invoices',
        outcome: 'success',
      }),
    ).toBe(1);
    expect(sample(text, 'partner_graph_graphql_operations_total', { operation: 'Customers', outcome: 'success' })).toBe(
      1,
    );
    expect(
      sample(text, 'partner_graph_upstream_calls_total', { endpoint: 'invoices', status: '200', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'partner_graph_upstream_call_duration_seconds_count', { endpoint: 'invoices', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'partner_graph_upstream_retries_total', { endpoint: 'customers', reason: 'unavailable' })).toBe(
      1,
    );
    expect(sample(text, 'partner_graph_upstream_breaker_state', { endpoint: 'invoices' })).toBe(0);
    expect(sample(text, 'partner_graph_rate_limit_rejections_total')).toBe(1);
    expect(sample(text, 'partner_graph_http_requests_total', { route: 'graphql', status: '429' })).toBe(1);
    expect(sample(text, 'partner_graph_http_requests_total', { route: 'graphql', status: '200' })).toBe(2);
    expect(sample(text, 'partner_graph_process_resident_memory_bytes')).toBeGreaterThan(0);

    for (const token of [stack.orgA.token, stack.orgB.token]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(stack.app.callerKeys(token));
    }
  });

  it('caps operation names a caller can invent', async () => {
    const names = Array.from({ length: 120 }, (_, i) => `Invented${i}`);
    await Promise.all(
      names.map((name) =>
        fetch(stack.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `query ${name} { __typename }` }),
        }),
      ),
    );
    const text = await getMetrics(stack);
    const labelled = new Set(
      [...text.matchAll(/partner_graph_graphql_operations_total\{operation="([^"]+)"/g)].map((m) => m[1]),
    );
    expect(labelled.size).toBeLessThanOrEqual(101);
    expect(labelled.has('other')).toBe(true);
  });
});

describe('/metrics behind METRICS_TOKEN', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { METRICS_TOKEN: 'metrics-scrape-token-0123456789' } });
  });
  afterAll(() => stack.close());

  it('refuses a scrape without the token and serves one with it', async () => {
    expect((await fetch(`${stack.origin}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${stack.origin}/metrics`, { headers: { authorization: `Bearer ${stack.orgA.token}` } })).status,
    ).toBe(401);
    await getMetrics(stack, { authorization: 'Bearer metrics-scrape-token-0123456789' });
  });
});

describe('/ready', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Freshness 0: every check probes, so the test sees the upstream as it is now.
    stack = await startStack({ env: { READY_UPSTREAM_FRESH_MS: '0', READY_PROBE_TIMEOUT_MS: '1000' } });
  });
  afterAll(() => stack.close());

  const ready = async () => {
    const res = await fetch(`${stack.origin}/ready`);
    return {
      status: res.status,
      body: (await res.json()) as { status: string; reason?: string },
      cacheControl: res.headers.get('cache-control'),
    };
  };

  it('is 200 while the partner API answers (a probe needs no token: any HTTP answer counts)', async () => {
    stack.sandbox.calls.clear();
    expect(await ready()).toEqual({ status: 200, body: { status: 'ready' }, cacheControl: 'no-store' });
    expect(stack.sandbox.calls.list().every((call) => call.authorization !== 'valid')).toBe(true);
  });

  it('answers only GET and HEAD', async () => {
    expect((await fetch(`${stack.origin}/ready`, { method: 'POST' })).status).toBe(405);
  });

  it('is 503 with a short reason once the partner API is gone', async () => {
    await stack.sandbox.close();
    const answer = await ready();
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ status: 'unavailable', reason: 'The partner API cannot be reached.' });
  });

  it('is 503 "draining" once shutdown began', async () => {
    stack.app.ops.readiness.drain();
    expect((await ready()).body.status).toBe('draining');
  });
});

describe('/ready with a recent upstream answer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('counts a real call (even a 401) as reachable and does not probe again', async () => {
    await stack.gql('{ invoices(first: 1) { nodes { id } } }', undefined, { authorization: 'Bearer unknown-token' });
    stack.sandbox.calls.clear();
    expect((await fetch(`${stack.origin}/ready`)).status).toBe(200);
    expect(stack.sandbox.calls.count()).toBe(0);
  });
});
