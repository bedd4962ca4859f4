import { readFileSync } from 'node:fs';
import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * The operation GraphiQL opens with: the typed client's PartnerOverview (the three connections in one
 * round trip, with paging variables), so the example and the shipped operation never drift apart.
 */
export const EXAMPLE_OPERATION = `# Partner Graph: customers, invoices and subscriptions in one
# round trip. Press run. To page on, set a connection's "after"
# variable to its pageInfo.endCursor (Variables tab below).
# pdfUrl is a short-lived link to the invoice PDF: open it.
${readFileSync(new URL('./client/operations/overview.graphql', import.meta.url), 'utf8')}`;

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
