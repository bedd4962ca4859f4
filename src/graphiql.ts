/** The operation GraphiQL opens with: the three connections in one round trip, with paging variables. */
export const EXAMPLE_OPERATION = `# Partner Graph: customers, invoices and subscriptions in one round trip.
# Press the run button. Page on by copying pageInfo.endCursor into the "after" variables.
query PartnerOverview($first: Int = 5, $customersAfter: String, $invoicesAfter: String, $subscriptionsAfter: String) {
  customers(first: $first, after: $customersAfter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name email createdAt }
  }
  invoices(first: $first, after: $invoicesAfter) {
    pageInfo { hasNextPage endCursor }
    nodes { id invoiceNumber invoiceDate amount currency status }
  }
  subscriptions(first: $first, after: $subscriptionsAfter) {
    pageInfo { hasNextPage endCursor }
    nodes { id name status startDate customerId }
  }
}
`;
