import { GraphQLError } from 'graphql';
import { CustomerLookupLimitError } from '../pagination/directory/index.ts';
import { PagingArgumentError } from '../pagination/pager.ts';
import { PartnerError } from '../partner/errors.ts';

/** The stable codes a caller can see in `extensions.code`. */
export type ErrorCode = PartnerError['code'] | 'CUSTOMER_LOOKUP_LIMIT' | 'INTERNAL_SERVER_ERROR';

/**
 * Turns whatever a resolver threw into what the caller sees: expected failures keep a clear
 * message and a stable code; anything else is masked (no stack, no detail outside development).
 */
export function maskError(error: unknown, message: string, isDev = false): GraphQLError {
  const graphqlError = error instanceof GraphQLError ? error : null;
  const original = graphqlError?.originalError ?? error;
  const at = graphqlError
    ? {
        nodes: graphqlError.nodes,
        path: graphqlError.path,
        source: graphqlError.source,
        positions: graphqlError.positions,
      }
    : {};

  if (original instanceof PartnerError) {
    return new GraphQLError(original.message, { ...at, extensions: partnerExtensions(original) });
  }
  if (original instanceof CustomerLookupLimitError) {
    return new GraphQLError(original.message, {
      ...at,
      extensions: { code: 'CUSTOMER_LOOKUP_LIMIT', calls: original.calls },
    });
  }
  if (original instanceof PagingArgumentError) {
    return new GraphQLError(original.message, { ...at, extensions: { code: 'BAD_USER_INPUT' } });
  }
  if (graphqlError && !graphqlError.originalError) return graphqlError; // parse/validation errors: already safe
  if (original instanceof GraphQLError && original.extensions['code']) {
    return new GraphQLError(original.message, { ...at, extensions: original.extensions });
  }
  const detail = isDev && original instanceof Error ? { detail: original.message } : {};
  return new GraphQLError(message, { ...at, extensions: { code: 'INTERNAL_SERVER_ERROR', ...detail } });
}

function partnerExtensions(error: PartnerError): Record<string, unknown> {
  return {
    code: error.code,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
    ...(error.upstream.status !== undefined || error.upstream.requestId !== undefined
      ? { upstream: { ...error.upstream } }
      : {}),
  };
}
