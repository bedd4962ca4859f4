import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestLimits } from '../config/index.ts';
import { discardThen, readBody } from './body.ts';
import { isJsonContentType } from './request-target.ts';
import { sendGraphQLError } from './respond.ts';

/**
 * What the route hands GraphQL requests to: Yoga's Node entry point. It wraps the Node request
 * lazily (headers are read from Node's object, not copied) and writes a plain JSON answer with one
 * `end`, which is much cheaper than building Fetch Request/Response objects here and copying them.
 * At run time it takes extra server context after (req, res), though its type does not say so.
 */
export interface NodeHandler {
  requestListener(req: IncomingMessage, res: ServerResponse): unknown;
}

const SANE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** Runs a request without Yoga when it can (src/http/fast-lane.ts); false hands it to Yoga. */
export type Lane = (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<boolean>;

/**
 * The /graphql route. Everything a request could use to exhaust the server is bounded here,
 * before GraphQL parses a byte: method, content type, body size, batch length, query length and
 * variables size. Only then does the fast lane or Yoga see the request.
 */
export function createGraphQLRoute(yoga: NodeHandler, limits: RequestLimits, lane?: Lane) {
  return async function serveGraphQL(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!SANE_HOST.test(req.headers.host ?? '')) req.headers.host = 'localhost'; // request URLs are built from it
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
      const problem = method === 'OPTIONS' ? null : checkSearchParams(req, limits);
      if (problem) return sendGraphQLError(res, 400, 'BAD_USER_INPUT', problem);
      return forward(yoga, req, res, undefined);
    }
    if (method !== 'POST')
      return sendGraphQLError(res, 405, 'BAD_USER_INPUT', 'Use GET or POST.', { allow: 'GET, POST' });
    if (!isJsonContentType(req.headers['content-type'])) {
      return sendGraphQLError(res, 415, 'BAD_USER_INPUT', 'Send GraphQL POSTs as Content-Type: application/json.');
    }
    const body = await readBody(req, limits.maxBodyBytes);
    if (!body.ok) {
      if (body.reason === 'too-large') {
        const message = `The request body is over ${limits.maxBodyBytes} bytes.`;
        discardThen(req, () => sendGraphQLError(res, 413, 'BAD_USER_INPUT', message, { connection: 'close' }));
      } else req.destroy();
      return;
    }
    const checked = checkBody(body.body, limits);
    if ('problem' in checked) return sendGraphQLError(res, 400, 'BAD_USER_INPUT', checked.problem);
    if (lane && (await lane(req, res, checked.params))) return;
    return forward(yoga, req, res, checked.params);
  };
}

/**
 * Hands the request to Yoga. A POST body is passed already parsed (`parsedBody`, read by the
 * useParsedBody plugin), so the JSON is parsed once, here, where its size was bounded. Yoga aborts
 * the request's signal only when the client leaves before the answer is written.
 */
async function forward(
  yoga: NodeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  parsedBody: unknown,
): Promise<void> {
  const listener = yoga.requestListener as (
    req: IncomingMessage,
    res: ServerResponse,
    context: { parsedBody?: unknown },
  ) => unknown;
  await listener(req, res, parsedBody === undefined ? {} : { parsedBody });
}

function checkSearchParams(req: IncomingMessage, limits: RequestLimits): string | null {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  return checkOperation(params.get('query'), Buffer.byteLength(params.get('variables') ?? ''), limits);
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
