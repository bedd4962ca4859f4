import { createHmac } from 'node:crypto';
import type { Config } from '../config/index.ts';
import { publicBaseUrl } from '../downloads/base-url.ts';
import type { Downloads } from '../downloads/downloads.ts';
import type { Logger } from '../logging/logger.ts';
import type { CursorCodec } from '../pagination/cursor.ts';
import type { KeptPages } from '../pagination/kept-pages.ts';
import { createPager, type Pager } from '../pagination/pager.ts';
import type { Caller } from '../partner/caller.ts';
import { createPartnerClient, type PartnerClient } from '../partner/client.ts';
import { readCredentials } from '../auth/credentials.ts';
import { PartnerError } from '../partner/errors.ts';
import type { UpstreamHttp } from '../partner/http.ts';

/** What every request shares: built once by createApp. Holds nothing that belongs to a caller. */
export interface Services {
  config: Config;
  /** JSON lines; secrets redacted by configuration (src/logging/logger.ts). */
  logger: Logger;
  http: UpstreamHttp;
  cursors: CursorCodec;
  keptPages: KeptPages;
  /** Key for hashing tokens into caller keys (kept pages, rate limits), never stored with them. */
  callerKeySecret: Buffer;
  /** Invoice PDF download links: the ticket store and the download route. */
  downloads: Downloads;
}

/** Everything that depends on the caller lives here, created per request. */
export interface Context {
  services: Services;
  /** Null when the request carries no usable credentials; `credentialProblem` says why. */
  caller: Caller | null;
  credentialProblem: string | null;
  /** This request's id in logs and on upstream calls (`x-request-id`); null when the caller built no id. */
  requestId: string | null;
  /** The partner API for this caller; throws UNAUTHENTICATED when there is no caller. */
  partner(): PartnerClient;
  pager: Pager;
  /** The facade's public base URL for links in answers; null when the request names no usable host. Worked out when first asked (only pdfUrl asks). */
  publicBaseUrl(): string | null;
}

export function callerKey(secret: Buffer, token: string): string {
  return createHmac('sha256', secret).update(token).digest('base64url').slice(0, 32);
}

/** One HMAC per request: the rate limiter and the context both need the key of the same request. */
const callerKeys = new WeakMap<Request, string>();

export function callerKeyOf(request: Request, secret: Buffer, token: string): string {
  let key = callerKeys.get(request);
  if (key === undefined) {
    key = callerKey(secret, token);
    callerKeys.set(request, key);
  }
  return key;
}

export function createContext(services: Services, request: Request, signal?: AbortSignal, requestId?: string): Context {
  const authorization = request.headers.get('authorization');
  const credentials = readCredentials(authorization === null ? [] : [authorization]);
  const caller: Caller | null = credentials.ok
    ? {
        token: credentials.token,
        headers: upstreamHeaders(request.headers, services.config.forwardHeaders, requestId),
        ...(signal ? { signal } : {}),
      }
    : null;
  let partner: PartnerClient | undefined;
  let baseUrl: { value: string | null } | undefined;
  return {
    services,
    caller,
    credentialProblem: credentials.ok ? null : credentials.problem,
    requestId: requestId ?? null,
    partner() {
      if (!caller) throw new PartnerError('UNAUTHENTICATED', credentials.ok ? 'Unauthenticated.' : credentials.problem);
      partner ??= createPartnerClient(services.http, caller);
      return partner;
    },
    pager: createPager({
      cursors: services.cursors,
      keptPages: services.keptPages,
      callerKey: caller ? callerKeyOf(request, services.callerKeySecret, caller.token) : 'anonymous',
      limits: services.config.paging,
    }),
    publicBaseUrl() {
      baseUrl ??= {
        value: publicBaseUrl(services.config.downloads, request.url.startsWith('https:') ? 'https' : 'http', (name) =>
          request.headers.get(name),
        ),
      };
      return baseUrl.value;
    },
  };
}

/** The allowlisted caller headers, and always our request id (generated ones included), so upstream logs correlate. */
function upstreamHeaders(
  headers: Headers,
  allowlist: readonly string[],
  requestId: string | undefined,
): Record<string, string> {
  const forwarded = forwardedHeaders(headers, allowlist);
  return requestId ? { ...forwarded, 'x-request-id': requestId } : forwarded;
}

function forwardedHeaders(headers: Headers, allowlist: readonly string[]): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of allowlist) {
    const value = headers.get(name);
    if (value !== null && value.length <= 256) forwarded[name] = value;
  }
  return forwarded;
}
