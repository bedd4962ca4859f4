import { createHmac } from 'node:crypto';
import type { Config } from './config.ts';
import type { CursorCodec } from './pagination/cursor.ts';
import type { KeptPages } from './pagination/kept-pages.ts';
import { createPager, type Pager } from './pagination/pager.ts';
import type { Caller } from './partner/caller.ts';
import { createPartnerClient, type PartnerClient } from './partner/client.ts';
import { readCredentials } from './partner/credentials.ts';
import { PartnerError } from './partner/errors.ts';
import type { UpstreamHttp } from './partner/http.ts';

/** What every request shares: built once by createApp. Holds nothing that belongs to a caller. */
export interface Services {
  config: Config;
  http: UpstreamHttp;
  cursors: CursorCodec;
  keptPages: KeptPages;
  /** Key for hashing tokens into caller keys (kept pages, rate limits), never stored with them. */
  callerKeySecret: Buffer;
}

/** Everything that depends on the caller lives here, created per request. */
export interface Context {
  services: Services;
  /** Null when the request carries no usable credentials; `credentialProblem` says why. */
  caller: Caller | null;
  credentialProblem: string | null;
  /** The partner API for this caller; throws UNAUTHENTICATED when there is no caller. */
  partner(): PartnerClient;
  pager: Pager;
}

export function callerKey(secret: Buffer, token: string): string {
  return createHmac('sha256', secret).update(token).digest('base64url').slice(0, 32);
}

export function createContext(services: Services, request: Request, signal?: AbortSignal): Context {
  const authorization = request.headers.get('authorization');
  const credentials = readCredentials(authorization === null ? [] : [authorization]);
  const caller: Caller | null = credentials.ok
    ? { token: credentials.token, headers: forwardedHeaders(request.headers, services.config.forwardHeaders), ...(signal ? { signal } : {}) }
    : null;
  let partner: PartnerClient | undefined;
  return {
    services,
    caller,
    credentialProblem: credentials.ok ? null : credentials.problem,
    partner() {
      if (!caller) throw new PartnerError('UNAUTHENTICATED', credentials.ok ? 'Unauthenticated.' : credentials.problem);
      partner ??= createPartnerClient(services.http, caller);
      return partner;
    },
    pager: createPager({
      cursors: services.cursors,
      keptPages: services.keptPages,
      callerKey: caller ? callerKey(services.callerKeySecret, caller.token) : 'anonymous',
      limits: services.config.paging,
    }),
  };
}

function forwardedHeaders(headers: Headers, allowlist: readonly string[]): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of allowlist) {
    const value = headers.get(name);
    if (value !== null && value.length <= 256) forwarded[name] = value;
  }
  return forwarded;
}
