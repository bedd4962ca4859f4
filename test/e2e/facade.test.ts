import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';
import { fetchPage, PAGE_QUERY } from '../support/walk.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const codeOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  body.errors?.[0]?.extensions?.['code'];

describe('the caller token', () => {
  it('is forwarded byte for byte, with no other caller header unless allowlisted', async () => {
    stack.sandbox.calls.clear();
    await stack.gql('{ invoices(first: 2) { nodes { id } } }', undefined, {
      cookie: 'session=secret',
      'x-tenant': 'evil',
      'x-request-id': 'req-123',
    });
    const [call] = stack.sandbox.calls.list();
    expect(call?.organisation).toBe(stack.orgA.name);
    expect(call?.authorization).toBe('valid');
    expect(call?.headers['cookie']).toBeUndefined();
    expect(call?.headers['x-tenant']).toBeUndefined();
    expect(call?.headers['x-request-id']).toBe('req-123');
  });

  it.each([
    ['no Authorization header', {}],
    ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('%s is UNAUTHENTICATED with HTTP 401 and no upstream call', async (_label, headers: Record<string, string>) => {
    stack.sandbox.calls.clear();
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: '{ customers { nodes { id } } }' }),
    });
    const body = await res.json();
    expect(res.status).toBe(401);
    expect(codeOf(body)).toBe('UNAUTHENTICATED');
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('an upstream 401 (unknown token) is UNAUTHENTICATED and the token is in no answer', async () => {
    const { body } = await stack.gql('{ invoices { nodes { id } } }', undefined, {
      authorization: 'Bearer not-a-known-token',
    });
    expect(codeOf(body)).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(body)).not.toContain('not-a-known-token');
  });

  it('introspection needs no token, so GraphiQL can show the docs', async () => {
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).data.__schema.queryType.name).toBe('Query');
  });

  it("two interleaved callers with different tokens never see each other's data", async () => {
    const orgs = stack.sandbox.organisations;
    const runs = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? stack.orgA : stack.orgB));
    const pages = await Promise.all(runs.map((org) => fetchPage(stack, 'customers', { first: 15 }, org.token)));
    pages.forEach((page, i) => {
      const org = orgs.find((o) => o.name === runs[i]?.name);
      expect(page.ids).toEqual(org?.customers.slice(0, 15).map((c) => c.id));
    });
  });
});

describe('paging arguments are checked before any upstream call', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['first < 0', PAGE_QUERY.invoices, { first: -1 }],
    ['first over the cap', PAGE_QUERY.invoices, { first: 501 }],
    ['a malformed cursor', PAGE_QUERY.invoices, { after: 'not-a-cursor' }],
    ['a filter over 200 characters', PAGE_QUERY.customers, { filter: 'x'.repeat(201) }],
  ];
  it.each(cases)('%s is BAD_USER_INPUT with no upstream call', async (_label, query, variables) => {
    stack.sandbox.calls.clear();
    const { body } = await stack.gql(query, variables);
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('the cap is named in the error', async () => {
    const { body } = await stack.gql(PAGE_QUERY.invoices, { first: 501 });
    expect(body.errors?.[0]?.message).toContain('500');
  });

  it('a tampered cursor (one character changed) is BAD_USER_INPUT with no upstream call', async () => {
    const page = await fetchPage(stack, 'invoices', { first: 5 });
    const cursor = page.endCursor ?? '';
    const i = 10;
    const tampered = cursor.slice(0, i) + (cursor[i] === 'A' ? 'B' : 'A') + cursor.slice(i + 1);
    stack.sandbox.calls.clear();
    const { body } = await stack.gql(PAGE_QUERY.invoices, { after: tampered });
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('a foreign cursor (another connection, or another filter) is BAD_USER_INPUT with no upstream call', async () => {
    const filtered = await fetchPage(stack, 'customers', { first: 2, filter: 'a' });
    const invoices = await fetchPage(stack, 'invoices', { first: 2 });
    stack.sandbox.calls.clear();
    const wrongFilter = await stack.gql(PAGE_QUERY.customers, { after: filtered.endCursor, filter: 'b' });
    const wrongConnection = await stack.gql(PAGE_QUERY.customers, { after: invoices.endCursor });
    expect(codeOf(wrongFilter.body)).toBe('BAD_USER_INPUT');
    expect(codeOf(wrongConnection.body)).toBe('BAD_USER_INPUT');
    expect(stack.sandbox.calls.count()).toBe(0);
  });
});

describe('one round trip', () => {
  it('fetches the three root connections concurrently (their upstream calls overlap)', async () => {
    stack.sandbox.faults.set([{ endpoint: '*', kind: 'latency', ms: 60 }]);
    stack.sandbox.calls.clear();
    try {
      const { body } = await stack.gql(
        '{ customers(first: 3) { nodes { id } } invoices(first: 3) { nodes { id } } subscriptions(first: 3) { nodes { id } } }',
      );
      expect(body.errors).toBeUndefined();
    } finally {
      stack.sandbox.faults.clear();
    }
    // The first page of each (look-ahead calls, which carry a token, come after their own page).
    const calls = stack.sandbox.calls.list().filter((c) => !c.query['cursor'] && !c.query['queryMore']);
    expect(calls.map((c) => c.endpoint).sort()).toEqual(['customers', 'invoices', 'subscriptions']);
    const lastStart = Math.max(...calls.map((c) => c.startedAt));
    const firstEnd = Math.min(...calls.map((c) => c.endedAt ?? Infinity));
    expect(lastStart).toBeLessThan(firstEnd);
  });

  it('makes identical upstream calls once: the same connection under ten aliases is one call', async () => {
    stack.sandbox.calls.clear();
    const aliases = Array.from({ length: 10 }, (_, i) => `a${i}: invoices(first: 20) { nodes { id } }`).join('\n');
    const { body } = await stack.gql(`{ ${aliases} }`);
    expect(stack.sandbox.calls.count({ endpoint: 'invoices' })).toBeLessThanOrEqual(2); // the page and its look-ahead
    expect(
      stack.sandbox.calls
        .list()
        .map((c) => c.query['cursor'] ?? null)
        .filter((c) => c === null),
    ).toHaveLength(1);
    const data = body.data as Record<string, { nodes: { id: string }[] }>;
    expect(new Set(Object.values(data).map((c) => JSON.stringify(c.nodes))).size).toBe(1);
  });

  it('overlapping pages in one operation share their upstream pages', async () => {
    stack.sandbox.calls.clear();
    await stack.gql('{ a: customers(first: 20) { nodes { id } } b: customers(first: 20) { totalCount } }');
    expect(stack.sandbox.calls.count({ endpoint: 'customers' })).toBe(1);
  });
});

describe('types and values', () => {
  it('serves money as exact decimal strings, statuses as open strings, and unmodelled fields as JSON', async () => {
    const { body } = await stack.gql(
      '{ invoices(first: 100) { nodes { id amount balance currency status extra } } subscriptions(first: 100) { nodes { status extra } } }',
    );
    const invoices = (
      body.data?.['invoices'] as {
        nodes: { id: string; amount: string; status: string; extra: Record<string, unknown> }[];
      }
    ).nodes;
    const raw = stack.sandbox.organisations[0]?.invoices.slice(0, 100) ?? [];
    invoices.forEach((inv, i) => {
      expect(inv.amount).toMatch(/^-?\d+\.\d{2,}$/);
      expect(Number(inv.amount)).toBe(raw[i]?.amount);
    });
    expect(Object.keys(invoices[0]?.extra ?? {}).length).toBeGreaterThan(0);
    const statuses = new Set(
      (body.data?.['subscriptions'] as { nodes: { status: string }[] }).nodes.map((s) => s.status),
    );
    expect(statuses.has('initial')).toBe(true);
  });
});
