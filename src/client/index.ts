import { GraphQLClient } from 'graphql-request';
import {
  CustomerPageDocument,
  type CustomerPageQuery,
  type CustomerPageQueryVariables,
  CustomersPageDocument,
  type CustomersPageQuery,
  type CustomersPageQueryVariables,
  InvoicesPageDocument,
  type InvoicesPageQuery,
  type InvoicesPageQueryVariables,
  PartnerOverviewDocument,
  type PartnerOverviewQuery,
  type PartnerOverviewQueryVariables,
  SubscriptionsPageDocument,
  type SubscriptionsPageQuery,
  type SubscriptionsPageQueryVariables,
  SubscriptionsWithCustomersDocument,
  type SubscriptionsWithCustomersQuery,
  type SubscriptionsWithCustomersQueryVariables,
} from './generated/graphql.js';

export * from './generated/graphql.js';

export interface PartnerGraphClientOptions {
  /** The partner API bearer token of the person or system calling. */
  token: string;
  /** Extra headers, e.g. { 'x-request-id': '…' }. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

type Page<Q, K extends keyof Q> = NonNullable<Q[K]>;

/** A typed client for Partner Graph over graphql-request: one method per operation, plus walks to the end. */
export function createPartnerGraphClient(endpoint: string, options: PartnerGraphClientOptions) {
  const client = new GraphQLClient(endpoint, {
    headers: { authorization: `Bearer ${options.token}`, ...options.headers },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return {
    raw: client,
    overview: (variables: PartnerOverviewQueryVariables = {}) =>
      client.request<PartnerOverviewQuery, PartnerOverviewQueryVariables>(PartnerOverviewDocument, variables),
    customers: (variables: CustomersPageQueryVariables = {}) =>
      client.request<CustomersPageQuery, CustomersPageQueryVariables>(CustomersPageDocument, variables),
    invoices: (variables: InvoicesPageQueryVariables = {}) =>
      client.request<InvoicesPageQuery, InvoicesPageQueryVariables>(InvoicesPageDocument, variables),
    subscriptions: (variables: SubscriptionsPageQueryVariables = {}) =>
      client.request<SubscriptionsPageQuery, SubscriptionsPageQueryVariables>(SubscriptionsPageDocument, variables),
    /** A subscriptions table with each subscription's customer (`customer` is null where the organisation has none). */
    subscriptionsWithCustomers: (variables: SubscriptionsWithCustomersQueryVariables = {}) =>
      client.request<SubscriptionsWithCustomersQuery, SubscriptionsWithCustomersQueryVariables>(
        SubscriptionsWithCustomersDocument,
        variables,
      ),
    /** One customer by id; `customer` is null when the organisation has none. */
    customer: (variables: CustomerPageQueryVariables) =>
      client.request<CustomerPageQuery, CustomerPageQueryVariables>(CustomerPageDocument, variables),
    /** Every customer matching `filter`, page by page, `first` at a time. */
    async *allCustomers(
      first = 100,
      filter?: string,
    ): AsyncGenerator<Page<CustomersPageQuery, 'customers'>['edges'][number]['node']> {
      yield* walk(async (after) => {
        const page = (await client.request(CustomersPageDocument, { first, after, ...(filter ? { filter } : {}) }))
          .customers;
        return page ? { nodes: page.edges.map((e) => e.node), pageInfo: page.pageInfo } : null;
      });
    },
    /** Every invoice, page by page, `first` at a time; each `pdfUrl` lives `pdfExpiresIn` seconds (server default when absent). */
    async *allInvoices(
      first = 100,
      pdfExpiresIn?: number,
    ): AsyncGenerator<Page<InvoicesPageQuery, 'invoices'>['edges'][number]['node']> {
      yield* walk(async (after) => {
        const page = (
          await client.request(InvoicesPageDocument, {
            first,
            after,
            ...(pdfExpiresIn === undefined ? {} : { pdfExpiresIn }),
          })
        ).invoices;
        return page ? { nodes: page.edges.map((e) => e.node), pageInfo: page.pageInfo } : null;
      });
    },
    /** Every subscription, page by page, `first` at a time. */
    async *allSubscriptions(
      first = 100,
    ): AsyncGenerator<Page<SubscriptionsPageQuery, 'subscriptions'>['edges'][number]['node']> {
      yield* walk(async (after) => {
        const page = (await client.request(SubscriptionsPageDocument, { first, after })).subscriptions;
        return page ? { nodes: page.edges.map((e) => e.node), pageInfo: page.pageInfo } : null;
      });
    },
  };
}

export type PartnerGraphClient = ReturnType<typeof createPartnerGraphClient>;

async function* walk<T>(
  fetchPage: (
    after: string | null,
  ) => Promise<{ nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } | null>,
): AsyncGenerator<T> {
  let after: string | null = null;
  for (;;) {
    const page = await fetchPage(after);
    if (!page) return;
    yield* page.nodes;
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return;
    after = page.pageInfo.endCursor;
  }
}
