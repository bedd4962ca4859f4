import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallerKeys } from '../auth/caller-key.ts';
import { requestCredentials } from '../auth/credentials.ts';
import { expiredAt } from '../auth/jwt.ts';
import type { RequestLimits } from '../config/index.ts';
import type { GraphiQLPage } from '../graphql/graphiql.ts';
import type { ServerContext } from '../graphql/server-context.ts';
import { responseDeadline } from '../lib/deadline.ts';
import { sendError } from '../lib/respond.ts';
import type { RateLimiter, RateRefusal } from '../limits/rate-limit.ts';
import { REQUEST_ID_HEADER, type RequestRecord } from '../logging/request-record.ts';
import { discardThen, readBody } from './body.ts';
import { isJsonContentType } from './request-target.ts';
import type { RouteHandler } from './router.ts';

export interface GraphQLRouteOptions {
  limits: RequestLimits;
  /** OPERATION_DEADLINE_MS: the deadline of everything one request does. */
  deadlineMs: number;
  rateLimiter: RateLimiter;
  callerKeys: CallerKeys;
  /** The GraphQL core's transport (src/graphql/yoga.ts), handed the request once it is admitted. */
  graphql: (server: ServerContext) => Promise<void>;
  /** GraphiQL's page and files (static: no credentials, rate limit or deadline); null where it is off. */
  graphiql: GraphiQLPage | null;
  now?: () => number;
}

/** Headers a cross-site form cannot send: one of them makes a GET operation safe to run. */
const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];

/**
 * The /graphql route: what is HTTP about a GraphQL request. Everything a request could use to
 * exhaust the server is bounded here before GraphQL parses a byte (method, content type, body
 * size, batch length, query length, variables size); then the caller is charged against the rate
 * limit, the deadline starts, and the GraphQL core answers.
 */
export function createGraphQLRoute(options: GraphQLRouteOptions): RouteHandler {
  const { limits } = options;
  const hosts = createHostCheck();
  return async (req, res, path, record) => {
    if (options.graphiql?.handles(req, path)) return options.graphiql.serve(req, res, path);
    if (!hosts.namesAHost(req.headers.host ?? 'localhost')) {
      return sendError(res, 400, 'BAD_USER_INPUT', 'The Host header does not name a host.');
    }
    const method = req.method ?? 'GET';
    let parsedBody: unknown;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
      const problem =
        method === 'OPTIONS' ? null : (checkSearchParams(req, limits) ?? checkGet(req, options.graphiql !== null));
      if (problem) return sendError(res, problem.status, problem.code, problem.message);
    } else {
      const body = await readPost(req, res, limits);
      if (body === null) return;
      parsedBody = body;
    }
    const credentials = requestCredentials(req);
    const expired = credentials.ok ? expiredAt(credentials.token, (options.now ?? Date.now)()) : null;
    if (expired) {
      const message = `The bearer token expired at ${expired.toISOString()}: get a new one from the partner API.`;
      return sendError(res, 401, 'UNAUTHENTICATED', message, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    const callerKey = credentials.ok ? options.callerKeys(credentials.token) : null;
    if (callerKey !== null && method !== 'OPTIONS') {
      const refusal = await options.rateLimiter.charge(callerKey, operationCount(parsedBody));
      if (refusal) return refuse(res, record, refusal);
    }
    const { signal } = responseDeadline(res, options.deadlineMs);
    res.setHeader(REQUEST_ID_HEADER, record.id);
    await options.graphql({ req, res, record, signal, credentials, callerKey, parsedBody });
  };
}

/**
 * Yoga builds its request URL from Host: a Host that makes no URL could not be answered (RFC 9112,
 * 3.2). Clients send the same Host request after request: the last one that passed is not parsed again.
 */
function createHostCheck(): { namesAHost(host: string): boolean } {
  let lastGood: string | null = null;
  return {
    namesAHost(host) {
      if (host === lastGood) return true;
      if (!URL.canParse(`http://${host}/`)) return false;
      lastGood = host;
      return true;
    },
  };
}

/** The parsed POST body, or null when the request was refused (and answered) here. */
async function readPost(req: IncomingMessage, res: ServerResponse, limits: RequestLimits): Promise<unknown> {
  if (req.method !== 'POST') {
    sendError(res, 405, 'BAD_USER_INPUT', 'Use GET or POST.', { allow: 'GET, POST' });
    return null;
  }
  if (!isJsonContentType(req.headers['content-type'])) {
    sendError(res, 415, 'BAD_USER_INPUT', 'Send GraphQL POSTs as Content-Type: application/json.');
    return null;
  }
  const body = await readBody(req, limits.maxBodyBytes);
  if (!body.ok) {
    if (body.reason === 'aborted') req.destroy();
    else {
      const message = `The request body is over ${limits.maxBodyBytes} bytes.`;
      discardThen(req, () => sendError(res, 413, 'BAD_USER_INPUT', message, { connection: 'close' }));
    }
    return null;
  }
  const checked = checkBody(body.body, limits);
  if ('problem' in checked) {
    sendError(res, 400, 'BAD_USER_INPUT', checked.problem);
    return null;
  }
  return checked.params;
}

function operationCount(body: unknown): number {
  return Array.isArray(body) ? body.length : 1;
}

function refuse(res: ServerResponse, record: RequestRecord, refusal: RateRefusal): void {
  record.code('RATE_LIMITED');
  res.setHeader(REQUEST_ID_HEADER, record.id);
  const retryAfter = refusal.retryAfterSeconds;
  sendError(res, 429, 'RATE_LIMITED', refusal.message, { 'retry-after': String(retryAfter) }, { retryAfter });
}

interface Refusal {
  status: number;
  code: string;
  message: string;
}

function checkSearchParams(req: IncomingMessage, limits: RequestLimits): Refusal | null {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const problem = checkOperation(params.get('query'), Buffer.byteLength(params.get('variables') ?? ''), limits);
  return problem ? { status: 400, code: 'BAD_USER_INPUT', message: problem } : null;
}

/**
 * A browser's GET is GraphiQL's when GraphiQL is on; otherwise it is told what to do instead. Any
 * other GET runs an operation, and must carry a header a cross-site form cannot send.
 */
function checkGet(req: IncomingMessage, graphiql: boolean): Refusal | null {
  if (req.method !== 'GET') return null;
  if (/text\/html/i.test(req.headers.accept ?? '')) {
    if (graphiql) return null;
    const message =
      'GraphiQL is off on this server. Send GraphQL operations as POST with Content-Type: application/json.';
    return { status: 406, code: 'NOT_ACCEPTABLE', message };
  }
  if (CSRF_HEADERS.some((name) => req.headers[name] !== undefined)) return null;
  const message =
    'A GET operation needs the header x-graphql-yoga-csrf (any value), which a cross-site form cannot send; or use POST.';
  return { status: 403, code: 'CSRF_HEADER_REQUIRED', message };
}

function checkBody(body: Buffer, limits: RequestLimits): { problem: string } | { params: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { problem: 'The request body is not valid JSON.' };
  }
  const operations = Array.isArray(parsed) ? parsed : [parsed];
  if (Array.isArray(parsed) && (parsed.length === 0 || parsed.length > limits.maxBatch)) {
    return { problem: `A batch holds 1 to ${limits.maxBatch} operations.` };
  }
  for (const operation of operations) {
    if (typeof operation !== 'object' || operation === null)
      return { problem: 'Each operation must be a JSON object.' };
    const { query, variables } = operation as { query?: unknown; variables?: unknown };
    if (query !== undefined && query !== null && typeof query !== 'string')
      return { problem: 'The "query" must be a string.' };
    // The whole body bounds the variables' size: only a body over the limit needs them measured.
    const variablesBytes =
      variables == null || body.length <= limits.maxVariablesBytes ? 0 : Buffer.byteLength(JSON.stringify(variables));
    const problem = checkOperation(query ?? null, variablesBytes, limits);
    if (problem) return { problem };
  }
  return { params: parsed };
}

function checkOperation(query: string | null, variablesBytes: number, limits: RequestLimits): string | null {
  if (query !== null && query.length > limits.maxQueryLength)
    return `The query is over ${limits.maxQueryLength} characters.`;
  if (variablesBytes > limits.maxVariablesBytes) {
    return `The variables are over ${limits.maxVariablesBytes} bytes.`;
  }
  return null;
}
