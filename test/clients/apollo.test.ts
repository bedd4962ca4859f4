import { ApolloClient, HttpLink, InMemoryCache, type ObservableQuery } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { InvoicesPageDocument, type InvoicesPageQuery, type InvoicesPageQueryVariables } from '@partner-graph/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkRest } from '../support/rest.ts';
import { type Stack, startStack } from '../support/stack.ts';

const INVOICES = 73;
const FIRST = 10;

// docs/frontend.md shows this client and loadAllInvoices as the Apollo recipe.
function createApolloClient(uri: string, token: string, fetchImpl: typeof fetch) {
  return new ApolloClient({
    link: new HttpLink({ uri, fetch: fetchImpl, headers: { authorization: `Bearer ${token}` } }),
    cache: new InMemoryCache({
      typePolicies: { Query: { fields: { invoices: relayStylePagination() } } },
    }),
  });
}

type InvoicesQuery = ObservableQuery<InvoicesPageQuery, InvoicesPageQueryVariables>;

/** Follows `pageInfo` with fetchMore until the server says no page follows; returns how many pages it took. */
async function loadAllInvoices(query: InvoicesQuery): Promise<number> {
  let pageInfo = (await emission(query, () => true)).invoices?.pageInfo;
  let pages = 1;
  while (pageInfo?.hasNextPage) {
    const more = await query.fetchMore({ variables: { after: pageInfo.endCursor } });
    pageInfo = more.data?.invoices?.pageInfo;
    pages++;
  }
  return pages;
}

/** The first complete result the watcher emits that `accept`s: what a component would render. */
function emission(query: InvoicesQuery, accept: (data: InvoicesPageQuery) => boolean): Promise<InvoicesPageQuery> {
  return new Promise((resolve, reject) => {
    const subscription = query.subscribe({
      next: (result) => {
        if (result.dataState !== 'complete' || !accept(result.data)) return;
        resolve(result.data);
        queueMicrotask(() => subscription.unsubscribe());
      },
      error: reject,
    });
  });
}

describe('Apollo Client 4 with relayStylePagination and fetchMore', () => {
  let stack: Stack;
  let truth: string[];
  let graphqlRequests = 0;
  const countingFetch: typeof fetch = (input, init) => {
    graphqlRequests++;
    return fetch(input, init);
  };

  beforeAll(async () => {
    stack = await startStack({ sandbox: { invoices: INVOICES, shortInvoicePages: true } });
    truth = await walkRest(stack.sandbox.url, stack.orgA.token, 'invoices');
  });
  afterAll(() => stack.close());

  it('pages invoices to the end; the watcher and the cache hold the REST truth, in order, each invoice once', async () => {
    const client = createApolloClient(stack.graphqlUrl, stack.orgA.token, countingFetch);
    const query = client.watchQuery({ query: InvoicesPageDocument, variables: { first: FIRST } });
    const keepWatching = query.subscribe(() => {});
    try {
      const pages = await loadAllInvoices(query);
      expect(pages).toBe(Math.ceil(INVOICES / FIRST));
      expect(graphqlRequests).toBe(pages);

      const rendered = await emission(query, (data) => data.invoices?.pageInfo.hasNextPage === false);
      expect(rendered.invoices?.edges.map((e) => e.node.id)).toEqual(truth);
      const cached = client.readQuery({ query: InvoicesPageDocument, variables: { first: FIRST } });
      expect(cached?.invoices?.edges.map((e) => e.node.id)).toEqual(truth);
      const extracted = client.cache.extract();
      const entities = typeof extracted === 'object' && extracted !== null ? Object.keys(extracted) : [];
      const normalized = entities.filter((key) => key.startsWith('Invoice:'));
      expect(normalized.sort()).toEqual(truth.map((id) => `Invoice:${id}`).sort());
      expect(graphqlRequests).toBe(pages);
    } finally {
      keepWatching.unsubscribe();
      client.stop();
    }
  });
});
