import { InvoicesPageDocument, type InvoicesPageQueryVariables } from '@partner-graph/client';
import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkRest } from '../support/rest.ts';
import { type Stack, startStack } from '../support/stack.ts';

const FIRST = 10;
const MAX_PAGES = 100;

// docs/frontend.md shows this client as the urql recipe. urql sends queries as GET, which the server's
// CSRF prevention refuses unless a non-simple header names it: x-graphql-yoga-csrf. Connections, edges
// and PageInfo have no id: they are embedded in their parent (key null), which also keeps graphcache quiet.
function createUrqlClient(url: string, token: string, fetchImpl: typeof fetch): Client {
  return new Client({
    url,
    fetch: fetchImpl,
    fetchOptions: { headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': 'urql' } },
    exchanges: [
      cacheExchange({
        keys: { InvoiceConnection: () => null, InvoiceEdge: () => null, PageInfo: () => null },
        resolvers: { Query: { invoices: relayPagination() } },
      }),
      fetchExchange,
    ],
  });
}

/** Queries page after page until hasNextPage is false; relayPagination merges them into one list. */
async function loadAllInvoices(client: Client, first: number): Promise<string[]> {
  let after: string | null = null;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const variables: InvoicesPageQueryVariables = { first, after };
    const result = await client.query(InvoicesPageDocument, variables).toPromise();
    const invoices = result.data?.invoices;
    if (!invoices) throw result.error ?? new Error('no invoices connection');
    if (!invoices.pageInfo.hasNextPage) return invoices.edges.map((edge) => edge.node.id);
    after = invoices.pageInfo.endCursor;
  }
  throw new Error(`still more invoices after ${MAX_PAGES} pages`);
}

describe.each([
  // 60 = 6 × FIRST: with trailingTokens the upstream's last full page still carries a token to an
  // empty page; the facade must say hasNextPage: false on page 6, and the client must stop there.
  { variant: 'a count that ends on a page boundary', invoices: 60 },
  { variant: 'a count that does not', invoices: 57 },
])('urql + graphcache relayPagination against tokens that lead to an empty last page ($variant)', ({ invoices }) => {
  let stack: Stack;
  let truth: string[];

  beforeAll(async () => {
    stack = await startStack({ sandbox: { invoices, trailingTokens: true } });
    truth = await walkRest(stack.sandbox.url, stack.orgA.token, 'invoices');
  });
  afterAll(() => stack.close());

  it('walks invoices to the end and stops; the merged list is the REST truth, each invoice once', async () => {
    let requests = 0;
    const client = createUrqlClient(stack.graphqlUrl, stack.orgA.token, (input, init) => {
      requests++;
      return fetch(input, init);
    });

    const merged = await loadAllInvoices(client, FIRST);
    expect(merged).toEqual(truth);
    expect(new Set(merged).size).toBe(invoices);
    expect(requests).toBe(Math.ceil(invoices / FIRST));
    const fromCache = await client
      .query(InvoicesPageDocument, { first: FIRST }, { requestPolicy: 'cache-only' })
      .toPromise();
    expect(fromCache.data?.invoices?.edges.map((e) => e.node.id)).toEqual(truth);
    expect(requests).toBe(Math.ceil(invoices / FIRST));
  });
});
