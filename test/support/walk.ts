import type { ListEndpoint } from './rest.ts';
import type { Stack } from './stack.ts';

export interface WalkedPage {
  ids: string[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  endCursor: string | null;
  totalCount?: number | null;
}

export const PAGE_QUERY: Record<ListEndpoint, string> = {
  customers: `query($first: Int, $after: String, $filter: String) { customers(first: $first, after: $after, filter: $filter) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
  invoices: `query($first: Int, $after: String) { invoices(first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
  subscriptions: `query($first: Int, $after: String) { subscriptions(first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
};

interface RawConnection {
  totalCount?: number | null;
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export async function fetchPage(
  stack: Stack,
  connection: ListEndpoint,
  variables: { first?: number; after?: string | null; filter?: string },
  token = stack.orgA.token,
): Promise<WalkedPage> {
  const { status, body } = await stack.gql(PAGE_QUERY[connection], variables, { authorization: `Bearer ${token}` });
  if (status !== 200 || body.errors) throw new Error(`page failed: ${status} ${JSON.stringify(body.errors)}`);
  const c = body.data?.[connection] as RawConnection;
  return {
    ids: c.edges.map((e) => e.node.id),
    cursors: c.edges.map((e) => e.cursor),
    hasNextPage: c.pageInfo.hasNextPage,
    hasPreviousPage: c.pageInfo.hasPreviousPage,
    endCursor: c.pageInfo.endCursor,
    ...(connection === 'customers' ? { totalCount: c.totalCount ?? null } : {}),
  };
}

/** Pages a connection to the end with `first`, as a client would; returns every page. */
export async function walkConnection(
  stack: Stack,
  connection: ListEndpoint,
  first: number,
  filter?: string,
): Promise<WalkedPage[]> {
  const pages: WalkedPage[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await fetchPage(stack, connection, { first, after, ...(filter ? { filter } : {}) });
    pages.push(page);
    if (!page.hasNextPage) return pages;
    after = page.endCursor;
  }
  throw new Error('walk did not end');
}
