/**
 * The failures of an upstream call, in the facade's own vocabulary. `partner/` knows no GraphQL:
 * the schema layer turns a PartnerError into a GraphQLError carrying `code` as `extensions.code`.
 */
export type PartnerErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE';

export interface UpstreamFacts {
  /** The upstream's HTTP status, when it answered. */
  status?: number;
  /** The upstream's request id header, when it sent one. */
  requestId?: string;
}

export class PartnerError extends Error {
  constructor(
    readonly code: PartnerErrorCode,
    message: string,
    readonly upstream: UpstreamFacts = {},
    /** Seconds the caller should wait, for RATE_LIMITED. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'PartnerError';
  }
}

/**
 * The connection failed before the upstream answered (refused, reset, dropped, connect timeout).
 * Kept distinct from an answered failure because only this kind is always safe to retry for a GET.
 */
export class UpstreamConnectionError extends PartnerError {
  constructor(message = 'The partner API could not be reached or closed the connection.') {
    super('UPSTREAM_UNAVAILABLE', message);
    this.name = 'UpstreamConnectionError';
  }
}

/** Maps an upstream status that is not a success to the error the caller sees. */
export function errorForStatus(status: number, facts: UpstreamFacts, retryAfter?: number): PartnerError {
  const f = { ...facts, status };
  if (status === 401) return new PartnerError('UNAUTHENTICATED', 'The partner API refused the credentials.', f);
  if (status === 403) return new PartnerError('FORBIDDEN', 'The partner API refused access for these credentials.', f);
  if (status === 404) return new PartnerError('NOT_FOUND', 'The partner API has no such record.', f);
  if (status === 429)
    return new PartnerError('RATE_LIMITED', 'The partner API is rate limiting; retry later.', f, retryAfter ?? 1);
  if (status === 400) return new PartnerError('BAD_USER_INPUT', 'The partner API rejected the request parameters.', f);
  if (status === 504) return new PartnerError('UPSTREAM_TIMEOUT', 'The partner API timed out.', f);
  if (status === 503)
    return new PartnerError('UPSTREAM_UNAVAILABLE', 'The partner API is unavailable (HTTP 503).', f, retryAfter);
  return new PartnerError('UPSTREAM_UNAVAILABLE', `The partner API failed (HTTP ${status}).`, f);
}
