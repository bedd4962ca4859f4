import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListEndpoint, walkRest } from '../support/rest.ts';
import { type Stack, startStack } from '../support/stack.ts';
import { fetchPage, walkConnection } from '../support/walk.ts';

const CONNECTIONS: ListEndpoint[] = ['customers', 'invoices', 'subscriptions'];
const FIRSTS = [1, 7, 20, 100, 250, 500];
// Odd counts, so that pages rarely line up with the data's end by accident.
const COUNTS = { customers: 143, invoices: 231, subscriptions: 127 };

describe.each([
  { variant: 'full upstream pages', sandbox: {} },
  { variant: 'short invoice pages', sandbox: { shortInvoicePages: true } },
  { variant: 'tokens that lead to an empty last page', sandbox: { trailingTokens: true } },
])('walking every connection to the end ($variant)', ({ sandbox }) => {
  let stack: Stack;
  const truth = new Map<ListEndpoint, string[]>();
  beforeAll(async () => {
    stack = await startStack({ sandbox: { ...COUNTS, ...sandbox } });
    for (const c of CONNECTIONS) truth.set(c, await walkRest(stack.sandbox.url, stack.orgA.token, c));
  });
  afterAll(() => stack.close());

  for (const connection of CONNECTIONS) {
    it.each(FIRSTS)(`${connection} with first: %i yields the REST walk, in order, ending exactly`, async (first) => {
      const pages = await walkConnection(stack, connection, first);
      const ids = pages.flatMap((p) => p.ids);
      expect(ids).toEqual(truth.get(connection));
      expect(new Set(ids).size).toBe(ids.length);
      // Exact hasNextPage: every page but the last says more follows, and none is empty.
      expect(pages.slice(0, -1).every((p) => p.hasNextPage && p.ids.length === first)).toBe(true);
      expect(pages.at(-1)?.hasNextPage).toBe(false);
      expect(pages.every((p, i) => p.ids.length > 0 || (i === 0 && ids.length === 0))).toBe(true);
      expect(pages.map((p) => p.hasPreviousPage)).toEqual(pages.map((_, i) => i > 0));
    });
  }

  it('customers report totalCount from the upstream hits', async () => {
    const page = await fetchPage(stack, 'customers', { first: 3 });
    expect(page.totalCount).toBe(truth.get('customers')?.length);
  });

  it.each(CONNECTIONS)('%s resumes after any mid-page edge cursor with no gap and no duplicate', async (connection) => {
    const all = truth.get(connection) ?? [];
    const page = await fetchPage(stack, connection, { first: 37 });
    for (const at of [0, 5, 18, 36]) {
      const next = await fetchPage(stack, connection, { first: 11, after: page.cursors[at] ?? null });
      expect(next.ids).toEqual(all.slice(at + 1, at + 12));
    }
  });
});

describe('upstream economy (full pages)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sandbox: { ...COUNTS, trailingTokens: true } });
  });
  afterAll(() => stack.close());

  it.each([
    ['invoices', 7],
    ['invoices', 20],
    ['invoices', 100],
    ['subscriptions', 20],
    ['customers', 20],
  ] as const)('a walk of %s with first: %i costs at most ceil(N/first)+1 upstream calls', async (connection, first) => {
    stack.sandbox.calls.clear();
    const pages = await walkConnection(stack, connection, first);
    const n = pages.reduce((sum, p) => sum + p.ids.length, 0);
    expect(n).toBe(COUNTS[connection]);
    expect(stack.sandbox.calls.count()).toBeLessThanOrEqual(Math.ceil(n / first) + 1);
  });

  it('a page of first ≤ 100 resumed from an endCursor at an upstream page boundary costs one call', async () => {
    const page = await fetchPage(stack, 'customers', { first: 20 });
    stack.sandbox.calls.clear();
    await fetchPage(stack, 'customers', { first: 20, after: page.endCursor });
    expect(stack.sandbox.calls.list().map((c) => [c.endpoint, c.query['limit']])).toEqual([['customers', '20']]);
  });

  it.each(['invoices', 'subscriptions'] as const)(
    'a first page of %s knows hasNextPage in one upstream round trip',
    async (connection) => {
      stack.sandbox.calls.clear();
      const page = await fetchPage(stack, connection, { first: 20 });
      expect(page.hasNextPage).toBe(true);
      // One record more than served tells that more follow: no second, serial look-ahead call.
      expect(stack.sandbox.calls.list().map((c) => c.query['pageSize'] ?? c.query['limit'])).toEqual(['21']);
    },
  );

  it('an operation that reads nodes alone never fetches the look-ahead page; one that reads pageInfo does', async () => {
    // first: 100 ends exactly at an upstream page (pageSize caps at 100): only a look-ahead can tell hasNextPage.
    stack.sandbox.calls.clear();
    const nodesOnly = await stack.gql<{ data: { invoices: { nodes: { id: string }[] } } }>(
      '{ invoices(first: 100) { nodes { id } } }',
    );
    expect(nodesOnly.body.data.invoices.nodes).toHaveLength(100);
    expect(stack.sandbox.calls.count({ endpoint: 'invoices' })).toBe(1);
    stack.sandbox.calls.clear();
    const withPageInfo = await stack.gql<{ data: { invoices: { pageInfo: { hasNextPage: boolean } } } }>(
      '{ invoices(first: 100) { nodes { id } pageInfo { hasNextPage } } }',
    );
    expect(withPageInfo.body.data.invoices.pageInfo.hasNextPage).toBe(true);
    expect(stack.sandbox.calls.count({ endpoint: 'invoices' })).toBe(2);
  });

  it('a page kept for the next request never answers a fresh request for the same page', async () => {
    await fetchPage(stack, 'invoices', { first: 15 });
    stack.sandbox.calls.clear();
    await fetchPage(stack, 'invoices', { first: 15 });
    expect(stack.sandbox.calls.count({ endpoint: 'invoices' })).toBe(1);
  });

  it('a kept look-ahead page never serves another caller', async () => {
    const first = await fetchPage(stack, 'invoices', { first: 10 });
    stack.sandbox.calls.clear();
    const other = await fetchPage(stack, 'invoices', { first: 10, after: first.endCursor }, stack.orgB.token);
    const own = await fetchPage(stack, 'invoices', { first: 10, after: first.endCursor });
    const byOrg = stack.sandbox.calls.list().map((c) => c.organisation);
    // org B fetched the page itself (plus its own look-ahead); org A's page came from the kept one.
    expect(byOrg.filter((o) => o === stack.orgB.name)).toHaveLength(2);
    expect(byOrg.filter((o) => o === stack.orgA.name)).toHaveLength(1);
    const orgBInvoices = new Set(stack.sandbox.organisations[1]?.invoices.map((i) => i.id));
    expect(other.ids.every((id) => orgBInvoices.has(id))).toBe(true);
    expect(own.ids).toEqual(stack.sandbox.organisations[0]?.invoices.slice(10, 20).map((i) => i.id));
  });
});
