// relay-compiler's input (`npm run relay`, relay.config.json): it writes ./__generated__ from these tags.
// In an app, babel-plugin-relay replaces each tag with its artifact; the Node test imports the artifacts.
import { graphql } from 'relay-runtime';

export const invoiceListQuery = graphql`
  query InvoiceListQuery($first: Int!) {
    ...InvoiceList_query @arguments(first: $first)
  }
`;

export const invoiceListFragment = graphql`
  fragment InvoiceList_query on Query
  @refetchable(queryName: "InvoiceListPaginationQuery")
  @argumentDefinitions(first: { type: "Int!" }, after: { type: "String" }) {
    invoices(first: $first, after: $after) @connection(key: "InvoiceList_invoices") {
      edges {
        node {
          id
          invoiceNumber
          amount
          currency
        }
      }
    }
  }
`;
