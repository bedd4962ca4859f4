import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { authorizationValues } from '../auth/credentials.ts';
import { sendError } from '../lib/respond.ts';
import type { RequestRecord, RequestRecords } from '../logging/request-record.ts';
import type { HttpRoute } from '../observability/metrics.ts';
import { requestPath } from './request-target.ts';

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  record: RequestRecord,
) => void | Promise<void>;

/** The route table: which route serves a path. Its names are also the `route` label of the HTTP metrics. */
export function routeOf(path: string | null): HttpRoute {
  if (path === '/graphql' || path?.startsWith('/graphql/')) return 'graphql';
  if (path === '/downloads' || path?.startsWith('/downloads/')) return 'downloads';
  if (path === '/health') return 'health';
  if (path === '/ready') return 'ready';
  if (path === '/metrics') return 'metrics';
  return 'other';
}

/**
 * Every request: its record (id, HTTP metrics, the log line), a refusal of what no route may see
 * (a malformed target, several Authorization headers), then its route. An unexpected failure
 * answers 500 with no detail and never crashes the process.
 */
export function createRouter(
  records: RequestRecords,
  handlers: Record<Exclude<HttpRoute, 'other'>, RouteHandler>,
): RequestListener {
  return (req, res) => {
    const path = requestPath(req);
    const route = routeOf(path);
    const record = records.start(req, res, route);
    if (path === null) return sendError(res, 400, 'BAD_REQUEST', 'Bad request target.');
    if (authorizationValues(req).length > 1) {
      return sendError(res, 401, 'UNAUTHENTICATED', 'Send exactly one Authorization header.');
    }
    if (route === 'other') return sendError(res, 404, 'NOT_FOUND', 'Not found.');
    Promise.resolve()
      .then(() => handlers[route](req, res, path, record))
      .catch(() => failSafely(res, record));
  };
}

function failSafely(res: ServerResponse, record: RequestRecord): void {
  record.code('INTERNAL_SERVER_ERROR');
  if (!res.headersSent) sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
  else res.destroy();
}
