import type { IncomingMessage } from 'node:http';

/** The outcome of reading a caller's credentials from request headers. */
export type Credentials = { ok: true; token: string } | { ok: false; problem: string };

const MAX_TOKEN_BYTES = 8 * 1024;
// RFC 6750 b64token, the shape of a JWT and of any sane bearer token.
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Only `Authorization: Bearer <token>`: anything else (another scheme, control characters, an
 * oversized token, several Authorization headers) is refused before any upstream call.
 */
export function readCredentials(authorizationValues: readonly string[]): Credentials {
  if (authorizationValues.length === 0)
    return { ok: false, problem: 'Send `Authorization: Bearer <token>` with a partner API token.' };
  if (authorizationValues.length > 1) return { ok: false, problem: 'Send exactly one Authorization header.' };
  const value = authorizationValues[0] ?? '';
  const match = /^Bearer ([^ ]+)$/i.exec(value);
  if (!match?.[1]) return { ok: false, problem: 'The Authorization header must be `Bearer <token>`.' };
  const token = match[1];
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return { ok: false, problem: 'The bearer token is too long.' };
  if (!BEARER_TOKEN.test(token))
    return { ok: false, problem: 'The bearer token contains characters a token cannot hold.' };
  return { ok: true, token };
}

const AUTHORIZATION = 'authorization';

/** Every Authorization header the request carries, as sent (Node would fold or drop duplicates). */
export function authorizationValues(req: IncomingMessage): string[] {
  const values: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    // The length first: most names are not 13 characters, and lower-casing each one allocates.
    if (name?.length === AUTHORIZATION.length && name.toLowerCase() === AUTHORIZATION)
      values.push(req.rawHeaders[i + 1] ?? '');
  }
  return values;
}

/** The request's credentials, read from its raw headers. */
export function requestCredentials(req: IncomingMessage): Credentials {
  return readCredentials(authorizationValues(req));
}
