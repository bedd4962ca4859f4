import { type Dispatcher, Pool, errors as undiciErrors } from 'undici';
import { errorForStatus, PartnerError, UpstreamConnectionError, type UpstreamFacts } from './errors.ts';

/** One GET to the partner API, always on behalf of one caller. */
export interface UpstreamRequest {
  /** A short stable name for logs, metrics and the circuit breaker, e.g. 'invoices'. */
  endpoint: string;
  /** Path below the configured base URL, e.g. '/partner/invoices'. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** The caller's bearer token, forwarded byte for byte. */
  token: string;
  /** Allowlisted caller headers (already filtered), e.g. x-request-id. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Largest body accepted; bigger is UPSTREAM_BAD_RESPONSE. */
  maxBodyBytes?: number;
}

export interface UpstreamResponse {
  status: number;
  body: Buffer;
  contentType: string;
  requestId?: string;
}

/** A GET whose body is read as it arrives (e.g. an invoice PDF), with the media type it asks for. */
export interface UpstreamStreamRequest extends UpstreamRequest {
  accept: string;
}

/** A 2xx answer whose body has not been read yet. Body errors arrive as PartnerErrors. */
export interface UpstreamStream {
  status: number;
  contentType: string;
  /** The announced body length, when the upstream sent one. */
  contentLength: number | null;
  requestId?: string;
  /** Must be read to the end or abandoned with `break`/`return`, which frees the socket. */
  body: AsyncIterable<Buffer>;
}

export interface UpstreamHttp {
  get(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Like `get`, but hands the body over unread: the timeout covers the headers and each stall of the body, not the reader's pace. */
  stream(request: UpstreamStreamRequest): Promise<UpstreamStream>;
  close(): Promise<void>;
}

export interface UpstreamHttpOptions {
  baseUrl: string;
  timeoutMs: number;
  maxSockets: number;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export function upstreamPath(basePath: string, request: UpstreamRequest): string {
  return `${basePath}${request.path}${queryString(request.query)}`;
}

/** What URLSearchParams leaves as it is: the common query (limit=20) needs no encoder. */
const PLAIN_QUERY_TEXT = /^[A-Za-z0-9*._-]*$/;

/** `?key=value&…` of the defined values, as URLSearchParams writes it; '' when there are none. */
function queryString(query: UpstreamRequest['query']): string {
  if (!query) return '';
  let search = '';
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (value === undefined) continue;
    const text = String(value);
    if (!PLAIN_QUERY_TEXT.test(key) || !PLAIN_QUERY_TEXT.test(text)) return encodedQueryString(query);
    search += `${search ? '&' : '?'}${key}=${text}`;
  }
  return search;
}

function encodedQueryString(query: NonNullable<UpstreamRequest['query']>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  return params.size ? `?${params.toString()}` : '';
}

/**
 * Keep-alive transport to the partner API. Redirects are never followed: the caller's token must
 * reach only the configured origin. Every non-2xx status becomes a PartnerError.
 */
export function createUpstreamHttp(options: UpstreamHttpOptions): UpstreamHttp {
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: options.maxSockets,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  /** Sends the GET and turns any non-2xx answer into a PartnerError; the body is left unread. */
  async function send(request: UpstreamRequest, accept: string, signal: AbortSignal | undefined) {
    const requestOptions: Dispatcher.RequestOptions = {
      method: 'GET',
      path: upstreamPath(basePath, request),
      headers: { ...request.headers, accept, authorization: `Bearer ${request.token}` },
    };
    if (signal) requestOptions.signal = signal;
    const res = await pool.request(requestOptions);
    const requestId = headerValue(res.headers['x-request-id']);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump().catch(() => undefined);
      const retryAfter = retryAfterSeconds(headerValue(res.headers['retry-after']));
      throw errorForStatus(res.statusCode, factsOf(res.statusCode, requestId), retryAfter);
    }
    return { res, requestId, contentType: headerValue(res.headers['content-type']) ?? '' };
  }

  // The pool's headersTimeout and bodyTimeout bound each call; the operation's signal bounds the
  // whole. No timer or signal of its own per call: that was measurable on the hot path.
  async function get(request: UpstreamRequest): Promise<UpstreamResponse> {
    const signal = request.signal;
    try {
      const { res, requestId, contentType } = await send(request, 'application/json', signal);
      let body: Buffer;
      try {
        body = await readBody(res.body, request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, res.statusCode, requestId);
      } catch (error) {
        throw brokenBodyError(error, signal, request.signal, factsOf(res.statusCode, requestId));
      }
      const response: UpstreamResponse = { status: res.statusCode, body, contentType };
      if (requestId) response.requestId = requestId;
      return response;
    } catch (error) {
      throw toPartnerError(error, signal, request.signal);
    }
  }

  // The answer must start within timeoutMs (the pool's headersTimeout); its body then goes at the
  // reader's pace (a streamed PDF at the client's), bounded by the pool's bodyTimeout, which counts
  // only time the upstream stalls, not time the reader holds it back.
  async function stream(request: UpstreamStreamRequest): Promise<UpstreamStream> {
    const signal = request.signal;
    try {
      const { res, requestId, contentType } = await send(request, request.accept, signal);
      const length = Number(headerValue(res.headers['content-length']));
      return {
        status: res.statusCode,
        contentType,
        contentLength: Number.isSafeInteger(length) && length >= 0 ? length : null,
        ...(requestId ? { requestId } : {}),
        body: mapBodyErrors(res.body, signal, request.signal),
      };
    } catch (error) {
      throw toPartnerError(error, signal, request.signal);
    }
  }

  return { get, stream, close: () => pool.close() };
}

async function* mapBodyErrors(
  body: AsyncIterable<Buffer>,
  signal: AbortSignal | undefined,
  callerSignal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    throw toPartnerError(error, signal, callerSignal);
  }
}

async function readBody(
  body: AsyncIterable<Buffer>,
  maxBytes: number,
  status: number,
  requestId: string | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes)
      throw new PartnerError(
        'UPSTREAM_BAD_RESPONSE',
        'The partner API answered with an oversized body.',
        factsOf(status, requestId),
      );
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** The upstream facts an error carries; built only when there is an error to carry them. */
function factsOf(status: number, requestId: string | undefined): UpstreamFacts {
  return requestId ? { status, requestId } : { status };
}

function toPartnerError(
  error: unknown,
  signal: AbortSignal | undefined,
  callerSignal: AbortSignal | undefined,
): PartnerError {
  if (error instanceof PartnerError) return error;
  if (
    signal?.aborted ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  ) {
    const reason = !callerSignal?.aborted
      ? 'the partner API did not answer in time'
      : isTimeout(callerSignal.reason)
        ? 'the operation deadline passed'
        : 'the request was cancelled (the client went away)';
    return new PartnerError('UPSTREAM_TIMEOUT', `Upstream call aborted: ${reason}.`);
  }
  if (isConnectionFailure(error)) return new UpstreamConnectionError();
  return new PartnerError('UPSTREAM_UNAVAILABLE', 'The partner API call failed before an answer arrived.');
}

/** A body that stops before its announced end (and not for a timeout) is a bad answer, not a lost connection. */
function brokenBodyError(
  error: unknown,
  signal: AbortSignal | undefined,
  callerSignal: AbortSignal | undefined,
  facts: UpstreamFacts,
): PartnerError {
  const mapped = toPartnerError(error, signal, callerSignal);
  if (mapped.code !== 'UPSTREAM_UNAVAILABLE') return mapped;
  return new PartnerError(
    'UPSTREAM_BAD_RESPONSE',
    "The partner API's answer broke off before its announced end.",
    facts,
  );
}

/** Deadlines abort with a TimeoutError (AbortSignal.timeout, startDeadline); a client leaving does not. */
function isTimeout(reason: unknown): boolean {
  return reason instanceof DOMException && reason.name === 'TimeoutError';
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function isConnectionFailure(error: unknown): boolean {
  if (error instanceof undiciErrors.SocketError || error instanceof undiciErrors.ConnectTimeoutError) return true;
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return typeof code === 'string' && CONNECTION_ERROR_CODES.has(code);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After as seconds (delta or HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  // Only an HTTP date (IMF-fixdate), not whatever loose text Date.parse would accept.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value.trim())) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
