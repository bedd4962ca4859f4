/**
 * Operations the profiling and A/B tools can load the facade with. `overhead` and
 * `overhead-edges` are scenario 1's two shapes (the target is set on the edges one at 20 connections);
 * `growth` and `growth-100` are scenario 5's operation at 500 and 100 nodes: one upstream page against
 * five, so their profiles side by side show what each node of the second step adds.
 */
export const GROWTH_QUERY =
  'query($first: Int!) { invoices(first: $first) { nodes { id invoiceNumber invoiceDate amount currency status } } }';

export const PROFILED_OPERATIONS: Record<string, { query: string; variables: Record<string, unknown> }> = {
  overhead: { query: '{ customers(first: 20) { nodes { id name email } } }', variables: {} },
  'overhead-edges': { query: '{ customers(first: 20) { edges { node { id name email } } } }', variables: {} },
  growth: {
    query: GROWTH_QUERY,
    variables: { first: 500 },
  },
  'growth-100': {
    query: GROWTH_QUERY,
    variables: { first: 100 },
  },
  edges: {
    query: '{ customers(first: 20) { edges { cursor node { id name email } } pageInfo { hasNextPage endCursor } } }',
    variables: {},
  },
};
