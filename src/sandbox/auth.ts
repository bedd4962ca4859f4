// Bearer tokens like the real ones: JWT-shaped, scope `partner`, the partner
// organisation in the `lmo:partner_org` claim. Demo tokens are deterministic from the
// seed so the README can list them; the sandbox accepts exactly those.
import { createHmac } from 'node:crypto';
import type { AuthorizationState } from './types.ts';

/** Fixed, so that tokens depend on the seed only. */
const ISSUED_AT = Math.floor(Date.UTC(2025, 0, 1) / 1000);
/** Far away: demo tokens must not expire in the middle of a test run or a demo. */
const EXPIRES_AT = Math.floor(Date.UTC(2099, 0, 1) / 1000);

export function mintDemoToken(seed: number, organisation: string): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'partner-graph-sandbox' }));
  const payload = base64url(
    JSON.stringify({
      iss: 'https://sandbox.partner-graph.invalid/',
      sub: `partner-user@${organisation}`,
      'lmo:partner_org': organisation,
      scope: 'partner',
      iat: ISSUED_AT,
      exp: EXPIRES_AT,
    }),
  );
  const signature = createHmac('sha256', `partner-graph-sandbox-secret-${seed}`)
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export interface Authentication {
  state: AuthorizationState;
  organisation: string | null;
}

/** RFC 6750: `Bearer` (any case), one space or more, then a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function authenticate(
  header: string | undefined,
  organisationByToken: ReadonlyMap<string, string>,
): Authentication {
  if (header === undefined || header.trim() === '') return { state: 'missing', organisation: null };
  const token = BEARER.exec(header)?.[1];
  if (token === undefined) return { state: 'malformed', organisation: null };
  const organisation = organisationByToken.get(token);
  if (organisation === undefined) return { state: 'unknown', organisation: null };
  return { state: 'valid', organisation };
}
