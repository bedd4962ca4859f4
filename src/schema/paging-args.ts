import { builder } from './builder.ts';

/** Forward-only Relay arguments: the partner API has no way back, so there is no last/before. */
export const forwardPagingArgs = () =>
  builder.args((t) => ({
    first: t.int({
      description:
        "How many nodes to return, from 0 to the server's cap (500 unless configured; default 20). More than one upstream page is served by following upstream page tokens. Outside the range: BAD_USER_INPUT.",
    }),
    after: t.string({
      description:
        'Resume just after the node whose `cursor` (or `pageInfo.endCursor`) this is. Cursors are opaque, signed, and bound to this connection and its arguments; an altered or foreign cursor is BAD_USER_INPUT, raised before any upstream call.',
    }),
  }));

export const CONNECTION_ERRORS =
  'Errors (`extensions.code`): UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, RATE_LIMITED, UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, UPSTREAM_BAD_RESPONSE. On error this field is null and the other root fields keep their data.';

export const PAGING_RULES =
  'Forward paging with `first`/`after`; every edge cursor resumes exactly after its node. `pageInfo.hasNextPage` is exact.';

/** Declared on a root connection field (field `extensions.upstreamPaging`): how its pages are fetched, for the upstream-call budget. */
export interface UpstreamPagingExtension {
  exactness: 'total' | 'lookahead';
}

/**
 * Declared on a field that looks customers up by id (field `extensions.customerLookup`): an
 * operation selecting one may spend the customer-lookup allowance, which the upstream-call budget counts.
 */
export interface CustomerLookupExtension {
  customerLookup: true;
}

export const CUSTOMER_LOOKUP = { customerLookup: true } as const satisfies CustomerLookupExtension;

export const CUSTOMER_LOOKUP_ERRORS = [
  'The partner API has no lookup by id: customers are found by walking its customer list, newest first, at most',
  '15 upstream calls per operation unless configured; what the walk read serves the same caller for 60 s (unless',
  'configured), and a later lookup resumes the walk. Errors (`extensions.code`): CUSTOMER_LOOKUP_LIMIT when the',
  'allowance ran out before this customer was met (ask again: the walk goes on from there); UNAUTHENTICATED,',
  'FORBIDDEN, RATE_LIMITED, UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, UPSTREAM_BAD_RESPONSE when the partner API',
  'failed. On error this field alone is null.',
].join(' ');
