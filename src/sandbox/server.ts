// The HTTP transport: one request goes route → call record → faults → method →
// auth → endpoint, then the answer is written (or deliberately mangled). Faults act
// before auth, like a gateway in front of the real API.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { handleAdmin } from './admin.ts';
import { type ApiResponse, type ApiSettings, handleApi, jsonError, matchRoute, type Route } from './api.ts';
import { authenticate } from './auth.ts';
import type { CallRecorder } from './calls.ts';
import type { FaultEngine, TerminalFault } from './faults.ts';
import type { OrganisationStore } from './store.ts';
import type { RecordedCall } from './types.ts';

export interface ServerSettings extends ApiSettings {
  rawPdf: boolean;
  log: boolean;
}

export interface ServerDependencies {
  stores: ReadonlyMap<string, OrganisationStore>;
  organisationByToken: ReadonlyMap<string, string>;
  faults: FaultEngine;
  calls: CallRecorder;
  settings: ServerSettings;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

interface Serialized {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export async function startServer(deps: ServerDependencies, port: number): Promise<RunningServer> {
  const delays = new Set<() => void>();
  let closing = false;

  const delay = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const cancel = () => {
        clearTimeout(timer);
        delays.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        delays.delete(cancel);
        resolve(!closing);
      }, ms);
      delays.add(cancel);
    });

  const server = createServer((req, res) => {
    handleRequest(req, res, deps, delay).catch((error: unknown) => {
      process.stderr.write(
        `[sandbox] internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      if (!res.headersSent) sendJson(res, jsonError(500, 'Internal sandbox error'));
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The sandbox server has no TCP address');

  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const cancel of [...delays]) cancel();
        server.close(() => resolve());
        // Hung requests and idle keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ServerDependencies,
  delay: (ms: number) => Promise<boolean>,
): Promise<void> {
  const { pathname, query } = splitUrl(req.url ?? '/');
  if (pathname === '/__admin' || pathname.startsWith('/__admin/')) {
    await handleAdmin(req, res, pathname, query, deps);
    return;
  }
  req.resume(); // API requests carry no body; drain anything sent so keep-alive keeps working.
  const route = matchRoute(pathname);
  const auth = authenticate(req.headers.authorization, deps.organisationByToken);
  const call = deps.calls.start({
    method: req.method ?? 'GET',
    path: pathname,
    endpoint: route?.endpoint ?? null,
    query: Object.fromEntries(query),
    organisation: auth.organisation,
    authorization: auth.state,
    headers: recordedHeaders(req),
  });
  trackCompletion(res, call, deps.settings.log);
  if (route === null) {
    sendJson(res, jsonError(404, `No route for ${pathname}`));
    return;
  }

  const decision = deps.faults.decide(route.endpoint);
  call.fault = decision.label;
  if (decision.latencyMs > 0 && !(await delay(decision.latencyMs))) return;
  if (decision.fault !== null && applyEarlyFault(decision.fault, req, res, call)) return;

  const response = answer(req, route, query, auth.organisation, deps);
  const serialized = serialize(
    decision.fault?.kind === 'wrongShape' ? corrupt(response, route, deps.faults.random) : response,
    deps.settings.rawPdf,
  );
  if (decision.fault?.kind === 'malformedJson') return send(res, malformed(serialized));
  if (decision.fault?.kind === 'truncated') return sendTruncated(req, res, serialized, call);
  send(res, serialized);
}

function answer(
  req: IncomingMessage,
  route: Route,
  query: ReadonlyMap<string, string>,
  organisation: string | null,
  deps: ServerDependencies,
): ApiResponse {
  if (req.method !== 'GET') return jsonError(405, `Method ${req.method ?? ''} not allowed: use GET`, { allow: 'GET' });
  const store = organisation === null ? undefined : deps.stores.get(organisation);
  if (store === undefined) return jsonError(401, 'Unauthorized', { 'www-authenticate': 'Bearer' });
  return handleApi(route, query, store, deps.settings);
}

/** Faults that replace the answer entirely. Returns true when the request is dealt with. */
function applyEarlyFault(fault: TerminalFault, req: IncomingMessage, res: ServerResponse, call: RecordedCall): boolean {
  switch (fault.kind) {
    case 'status':
      sendJson(res, jsonError(fault.status, STATUS_MESSAGES[fault.status]));
      return true;
    case 'rateLimit':
      sendJson(res, jsonError(429, 'Too Many Requests', { 'retry-after': String(fault.retryAfter) }));
      return true;
    case 'hang':
      return true; // never answered: the socket stays open until the client gives up or close()
    case 'drop':
      call.endedAt = performance.now();
      req.socket.destroy();
      return true;
    default:
      return false;
  }
}

const STATUS_MESSAGES: Record<Extract<TerminalFault, { kind: 'status' }>['status'], string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Endpoint request timed out',
};

/** One record of the page gets a wrong-typed field; a PDF becomes something that is not a PDF. */
function corrupt(response: ApiResponse, route: Route, random: () => number): ApiResponse {
  if (response.kind === 'pdf')
    return { kind: 'pdf', pdf: Buffer.from('<html><body>Invoice unavailable</body></html>') };
  const payload = response.payload;
  if (typeof payload !== 'object' || payload === null) return response;
  const listKey = route.endpoint === 'invoices' ? 'invoices' : 'items';
  const list: unknown = (payload as Record<string, unknown>)[listKey];
  if (!Array.isArray(list) || list.length === 0) {
    const [firstKey] = Object.keys(payload);
    return firstKey === undefined ? response : { ...response, payload: { ...payload, [firstKey]: 42 } };
  }
  const index = Math.floor(random() * list.length);
  const [field, value] = WRONG_FIELDS[route.endpoint];
  const records = list.map((record: unknown, i) => (i === index ? { ...(record as object), [field]: value } : record));
  return { ...response, payload: { ...payload, [listKey]: records } };
}

const WRONG_FIELDS: Record<Route['endpoint'], readonly [string, unknown]> = {
  customers: ['id', 42],
  invoices: ['amount', 'abc'],
  invoiceFile: ['id', 42],
  subscriptions: ['created', 1719650000],
};

function serialize(response: ApiResponse, rawPdf: boolean): Serialized {
  if (response.kind === 'pdf') {
    // The documented body is the PDF as base64 text, labelled application/pdf.
    const body = rawPdf ? response.pdf : Buffer.from(response.pdf.toString('base64'), 'latin1');
    return { status: 200, headers: { 'content-type': 'application/pdf' }, body };
  }
  return {
    status: response.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...response.headers },
    body: Buffer.from(JSON.stringify(response.payload), 'utf8'),
  };
}

function malformed(serialized: Serialized): Serialized {
  // A strict prefix of a JSON object is never valid JSON.
  const json =
    serialized.headers['content-type']?.startsWith('application/json') === true
      ? serialized.body
      : Buffer.from('{"message":"Internal server error"}');
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: json.subarray(0, Math.max(1, Math.floor(json.length / 2))),
  };
}

function send(res: ServerResponse, { status, headers, body }: Serialized): void {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

function sendJson(res: ServerResponse, response: ApiResponse): void {
  send(res, serialize(response, false));
}

/** Announces the full length, sends half, then ends the connection. */
function sendTruncated(req: IncomingMessage, res: ServerResponse, serialized: Serialized, call: RecordedCall): void {
  const { status, headers, body } = serialized;
  call.status = status;
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
    call.endedAt = performance.now();
    req.socket.end();
  });
}

function trackCompletion(res: ServerResponse, call: RecordedCall, log: boolean): void {
  res.once('finish', () => {
    call.endedAt = performance.now();
    call.status = res.statusCode;
  });
  if (log) res.once('close', () => process.stderr.write(`${logLine(call)}\n`));
}

function logLine(call: RecordedCall): string {
  const search = new URLSearchParams(call.query).toString();
  const took = call.endedAt === null ? 'unfinished' : `${Math.round(call.endedAt - call.startedAt)}ms`;
  return [
    '[sandbox]',
    call.method,
    search === '' ? call.path : `${call.path}?${search}`,
    call.organisation ?? `(${call.authorization} token)`,
    call.status ?? '-',
    took,
    call.fault === null ? '' : `fault=${call.fault}`,
  ]
    .join(' ')
    .trimEnd();
}

function splitUrl(url: string): { pathname: string; query: Map<string, string> } {
  const mark = url.indexOf('?');
  const pathname = mark === -1 ? url : url.slice(0, mark);
  const query = new Map<string, string>();
  if (mark !== -1) {
    for (const [name, value] of new URLSearchParams(url.slice(mark + 1))) {
      if (!query.has(name)) query.set(name, value); // the first of repeated parameters wins
    }
  }
  return { pathname, query };
}

function recordedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
