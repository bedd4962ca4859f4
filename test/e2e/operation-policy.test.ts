import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

const codeOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  body.errors?.[0]?.extensions?.['code'];

describe('operation policy (defaults)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sandbox.calls.clear());

  it('refuses, before execution, an operation over the upstream-call budget', async () => {
    const aliases = Array.from(
      { length: 10 },
      (_, i) => `c${i}: customers(first: 500, filter: "${i}") { totalCount }`,
    ).join('\n');
    const { body } = await stack.gql(`{ ${aliases} }`);
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.extensions?.['limit']).toBe('upstreamCalls');
    expect(body.errors?.[0]?.message).toMatch(/about 50 upstream calls; the limit is 25/);
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('counts identical connections once, the way the pager fetches them', async () => {
    const aliases = Array.from({ length: 10 }, (_, i) => `c${i}: customers(first: 500) { totalCount }`).join('\n');
    const { body } = await stack.gql(`{ ${aliases} }`);
    expect(body.errors).toBeUndefined();
    expect(stack.sandbox.calls.count()).toBeLessThanOrEqual(5);
  });

  it('counts first from variables, and lets a normal operation through', async () => {
    const q = 'query($n: Int) { customers(first: $n) { totalCount } invoices(first: $n) { nodes { id } } }';
    expect(codeOf((await stack.gql(q, { n: 500 })).body)).toBeUndefined(); // 5 + 6 calls
    stack.sandbox.calls.clear();
    const tooMany = `query($n: Int) { ${Array.from({ length: 6 }, (_, i) => `i${i}: customers(first: $n, filter: "f${i}") { totalCount }`).join(' ')} }`;
    expect(codeOf((await stack.gql(tooMany, { n: 500 })).body)).toBe('BAD_USER_INPUT');
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('answers a batch of operations in one POST, in order', async () => {
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.orgA.token}` },
      body: JSON.stringify([
        { query: '{ customers(first: 2) { nodes { id } } }' },
        { query: '{ invoices(first: 3) { nodes { id } } }' },
      ]),
    });
    const body = (await res.json()) as { data: Record<string, { nodes: { id: string }[] }> }[];
    const org = stack.sandbox.organisations[0];
    expect(body.map((r) => Object.keys(r.data)[0])).toEqual(['customers', 'invoices']);
    expect(body[0]?.data['customers']?.nodes.map((n) => n.id)).toEqual(org?.customers.slice(0, 2).map((c) => c.id));
    expect(body[1]?.data['invoices']?.nodes.map((n) => n.id)).toEqual(org?.invoices.slice(0, 3).map((i) => i.id));
  });

  it('streams a deferred fragment after the fast fields (multipart over HTTP)', async () => {
    stack.sandbox.faults.set([{ endpoint: 'invoices', kind: 'latency', ms: 150 }]);
    try {
      const res = await fetch(stack.graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'multipart/mixed',
          authorization: `Bearer ${stack.orgA.token}`,
        },
        body: JSON.stringify({
          query:
            '{ customers(first: 2) { nodes { id } } ... @defer(label: "slow") { invoices(first: 2) { nodes { id } } } }',
        }),
      });
      expect(res.headers.get('content-type')).toMatch(/^multipart\/mixed/);
      const text = await res.text();
      const parts = text
        .split(/\r\n---/)
        .map((p) => p.slice(p.indexOf('{')))
        .filter((p) => p.startsWith('{'));
      const payloads = parts.map((p) => JSON.parse(p.slice(0, p.lastIndexOf('}') + 1)) as Record<string, unknown>);
      const org = stack.sandbox.organisations[0];
      const initial = payloads[0] as {
        data: { customers: { nodes: { id: string }[] }; invoices?: unknown };
        hasNext: boolean;
      };
      expect(initial.data.customers.nodes.map((n) => n.id)).toEqual(org?.customers.slice(0, 2).map((c) => c.id));
      expect(initial.data.invoices).toBeUndefined();
      expect(initial.hasNext).toBe(true);
      const later = JSON.stringify(payloads.slice(1));
      for (const invoice of org?.invoices.slice(0, 2) ?? []) expect(later).toContain(invoice.id);
    } finally {
      stack.sandbox.faults.clear();
    }
  });

  it('CSRF prevention: a GET query without a preflight-forcing header is refused', async () => {
    const url = `${stack.graphqlUrl}?query=${encodeURIComponent('{ invoices(first: 1) { nodes { id } } }')}`;
    const plain = await fetch(url, { headers: { authorization: `Bearer ${stack.orgA.token}` } });
    expect(plain.status).toBe(403);
    expect(stack.sandbox.calls.count()).toBe(0);
    const withHeader = await fetch(url, {
      headers: { authorization: `Bearer ${stack.orgA.token}`, 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
    });
    expect(withHeader.status).toBe(200);
  });

  it('CORS: any localhost origin is allowed outside production, other origins are not', async () => {
    const preflight = (origin: string) =>
      fetch(stack.graphqlUrl, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const local = await preflight('http://localhost:5173');
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('operation policy (production-like settings)', () => {
  let stack: Stack;
  const manifest = JSON.parse(
    readFileSync(new URL('../../src/client/generated/persisted-documents.json', import.meta.url), 'utf8'),
  ) as Record<string, string>;
  beforeAll(async () => {
    stack = await startStack({
      env: {
        PERSISTED_OPERATIONS: 'require',
        CORS_ORIGINS: 'https://portal.example.com',
        INTROSPECTION: 'false',
        GRAPHIQL: 'false',
      },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sandbox.calls.clear());

  it('persisted-only mode rejects an operation not in the manifest, with no upstream call', async () => {
    const { body } = await stack.gql('{ invoices(first: 1) { nodes { id } } }');
    expect(codeOf(body)).toBe('PERSISTED_QUERY_ONLY');
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('persisted-only mode runs a manifest operation sent by its id', async () => {
    const [id] = Object.entries(manifest).find(([, text]) => text.startsWith('query CustomersPage')) ?? [];
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.orgA.token}` },
      body: JSON.stringify({
        variables: { first: 2 },
        extensions: { persistedQuery: { version: 1, sha256Hash: id?.replace('sha256:', '') } },
      }),
    });
    const body = (await res.json()) as { data?: { customers: { edges: { node: { id: string } }[] } } };
    expect(body.data?.customers.edges.map((e) => e.node.id)).toEqual(
      stack.sandbox.organisations[0]?.customers.slice(0, 2).map((c) => c.id),
    );
  });

  it('CORS allows only the configured origin; introspection and GraphiQL are off', async () => {
    const preflight = await fetch(stack.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://portal.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://portal.example.com');
    const local = await fetch(stack.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    expect(local.headers.get('access-control-allow-origin')).toBeNull();
    const page = await fetch(stack.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });
});

describe('operation limits, configured low', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { MAX_DEPTH: '3', MAX_COST: '40' } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sandbox.calls.clear());

  it('refuses an operation deeper than MAX_DEPTH, naming the limit, with no upstream call', async () => {
    const { body } = await stack.gql('{ customers(first: 2) { edges { node { id } } } }');
    expect(body.errors?.[0]?.message).toMatch(/depth limit of 3/i);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'depth' });
    expect(body.data ?? null).toBeNull();
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('refuses an operation costlier than MAX_COST, naming the limit, with no upstream call', async () => {
    const { body } = await stack.gql(
      '{ a: customers(first: 2) { nodes { id name email } } b: invoices(first: 2) { nodes { id amount currency status } } }',
    );
    expect(body.errors?.[0]?.message).toMatch(/cost limit of 40/i);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'cost' });
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('lets a normal operation within the limits through', async () => {
    const { body } = await stack.gql('{ customers(first: 2) { totalCount } }');
    expect(body.errors).toBeUndefined();
    expect((body.data?.['customers'] as { totalCount: number }).totalCount).toBe(
      stack.sandbox.organisations[0]?.customers.length,
    );
  });
});
