/**
 * Operations the profiling and A/B tools can load the facade with. `overhead` and
 * `overhead-edges` are scenario 1's two shapes (the target is set on the edges one at 20 connections).
 */
export const PROFILED_OPERATIONS: Record<string, { query: string; variables: Record<string, unknown> }> = {
  overhead: { query: '{ customers(first: 20) { nodes { id name email } } }', variables: {} },
  'overhead-edges': { query: '{ customers(first: 20) { edges { node { id name email } } } }', variables: {} },
  growth: {
    query:
      'query($first: Int!) { invoices(first: $first) { nodes { id invoiceNumber invoiceDate amount currency status } } }',
    variables: { first: 500 },
  },
  edges: {
    query: '{ customers(first: 20) { edges { cursor node { id name email } } pageInfo { hasNextPage endCursor } } }',
    variables: {},
  },
};
