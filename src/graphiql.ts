import type { GraphiQLOptions } from 'graphql-yoga';

/** The operation GraphiQL opens with: the three connections in one round trip, with paging variables. */
export const EXAMPLE_OPERATION = `# Partner Graph: customers, invoices and subscriptions in one
# round trip. Press run. To page on, set a connection's "after"
# variable to its pageInfo.endCursor (Variables tab below).
# pdfUrl is a short-lived link to the invoice PDF: open it.
query PartnerOverview(
  $first: Int = 5
  $customersAfter: String
  $invoicesAfter: String
  $subscriptionsAfter: String
) {
  customers(first: $first, after: $customersAfter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name email createdAt }
  }
  invoices(first: $first, after: $invoicesAfter) {
    pageInfo { hasNextPage endCursor }
    nodes { id invoiceNumber invoiceDate amount currency status pdfUrl }
  }
  subscriptions(first: $first, after: $subscriptionsAfter) {
    pageInfo { hasNextPage endCursor }
    nodes { id name status startDate customerId }
  }
}
`;

/**
 * GraphiQL served from this process, not from a CDN: the headers pane holds partner bearer tokens, so
 * no third-party script runs on this origin, and GraphiQL works on closed networks. The page inlines
 * about 9 MB of assets: they are loaded on the first GraphiQL request (never, where GraphiQL is off),
 * and the page is built once, since an app's GraphiQL options do not change.
 */
export function createGraphiQLRenderer(): (options: GraphiQLOptions) => Promise<string> {
  let built: { key: string; page: string } | null = null;
  return async (options) => {
    const key = JSON.stringify(options);
    if (built?.key !== key) {
      const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
      built = { key, page: renderGraphiQL(options) };
    }
    return built.page;
  };
}
