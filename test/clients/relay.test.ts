import {
  createOperationDescriptor,
  Environment,
  type FetchFunction,
  fetchQuery,
  type GraphQLResponse,
  getSelector,
  Network,
  RecordSource,
  type SingularReaderSelector,
  Store,
} from 'relay-runtime';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { walkRest } from '../support/rest.ts';
import { type Stack, startStack } from '../support/stack.ts';
import InvoiceListFragment from './relay/__generated__/InvoiceList_query.graphql.ts';
// relay-compiler's artifacts for the graphql tags in ./relay/InvoiceList.ts (`npm run relay`). Without
// babel-plugin-relay nothing replaces those tags in Node, so the artifacts are imported directly: the
// very modules the Babel plugin would have required in their place.
import InvoiceListPaginationQuery from './relay/__generated__/InvoiceListPaginationQuery.graphql.ts';
import InvoiceListQuery from './relay/__generated__/InvoiceListQuery.graphql.ts';

const INVOICES = 67;
const FIRST = 10;

// docs/frontend.md shows this environment and loadAllInvoices as the Relay recipe.
function createRelayEnvironment(url: string, token: string, fetchImpl: typeof fetch): Environment {
  const fetchGraphQL: FetchFunction = async (request, variables) => {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: request.text, variables }),
    });
    const body: GraphQLResponse = await res.json();
    return body;
  };
  return new Environment({ network: Network.create(fetchGraphQL), store: new Store(new RecordSource()) });
}

interface ConnectionState {
  ids: string[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * What usePaginationFragment's loadNext does, without React: read the @connection through the
 * fragment, fetch the @refetchable pagination query with `after: endCursor`, and let Relay's
 * ConnectionHandler append the new edges to the same connection record, until hasNextPage is false.
 */
async function loadAllInvoices(
  environment: Environment,
  first: number,
): Promise<{ state: ConnectionState; pages: number; release(): void }> {
  const operation = createOperationDescriptor(InvoiceListQuery, { first });
  // As a mounted query would: keeps the connection and its nodes from Relay's garbage collection.
  const retained = environment.retain(operation);
  await fetchQuery(environment, InvoiceListQuery, { first }).toPromise();
  const fragment = fragmentSelector(environment.lookup(operation.fragment).data);
  let state = connectionState(environment.lookup(fragment).data);
  let pages = 1;
  while (state.hasNextPage) {
    await fetchQuery(environment, InvoiceListPaginationQuery, { first, after: state.endCursor }).toPromise();
    state = connectionState(environment.lookup(fragment).data);
    pages++;
  }
  return { state, pages, release: () => retained.dispose() };
}

function fragmentSelector(queryData: unknown): SingularReaderSelector {
  const selector = getSelector(InvoiceListFragment, queryData);
  if (selector.kind !== 'SingularReaderSelector') throw new Error('InvoiceList_query is not a plural fragment');
  return selector;
}

/** Reads the connection as the fragment sees it; pageInfo is selected by the compiler for @connection. */
function connectionState(data: unknown): ConnectionState {
  const invoices = field(data, 'invoices');
  const edges = field(invoices, 'edges');
  const pageInfo = field(invoices, 'pageInfo');
  const hasNextPage = field(pageInfo, 'hasNextPage');
  const endCursor = field(pageInfo, 'endCursor');
  if (
    !Array.isArray(edges) ||
    typeof hasNextPage !== 'boolean' ||
    (endCursor !== null && typeof endCursor !== 'string')
  ) {
    throw new Error(`unexpected connection shape: ${JSON.stringify(invoices)}`);
  }
  return { ids: edges.map((edge: unknown) => String(field(field(edge, 'node'), 'id'))), hasNextPage, endCursor };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

describe('Relay (relay-runtime, relay-compiler artifacts, @connection + @refetchable on Query)', () => {
  let stack: Stack;
  let truth: string[];

  beforeAll(async () => {
    stack = await startStack({ sandbox: { invoices: INVOICES, trailingTokens: true } });
    truth = await walkRest(stack.sandbox.url, stack.orgA.token, 'invoices');
  });
  afterAll(() => stack.close());

  it('pages invoices to the end into one connection; the store holds every invoice once', async () => {
    let requests = 0;
    const environment = createRelayEnvironment(stack.graphqlUrl, stack.orgA.token, (input, init) => {
      requests++;
      return fetch(input, init);
    });
    const { state, pages, release } = await loadAllInvoices(environment, FIRST);
    onTestFinished(release);

    expect(state.ids).toEqual(truth);
    expect(state.hasNextPage).toBe(false);
    expect(pages).toBe(Math.ceil(INVOICES / FIRST));
    expect(requests).toBe(pages);
    const records = Object.values(environment.getStore().getSource().toJSON());
    const invoiceIds = records.filter((r) => r['__typename'] === 'Invoice').map((r) => r['__id']);
    expect(invoiceIds.sort()).toEqual([...truth].sort());
  });
});
