import { randomBytes, createHmac } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config.ts';
import { createContext, type Context, type Services } from './context.ts';
import { EXAMPLE_OPERATION } from './graphiql.ts';
import { createCursorCodec } from './pagination/cursor.ts';
import { createKeptPages } from './pagination/kept-pages.ts';
import { createUpstreamHttp, type UpstreamHttp } from './partner/http.ts';
import { useCallerCredentials } from './schema/auth-plugin.ts';
import { maskError } from './schema/errors.ts';
import { schema } from './schema/index.ts';

export interface AppDeps {
  /** The transport to the partner API; built from config when absent. */
  http?: UpstreamHttp;
  /** A token GraphiQL's headers pane is prefilled with (sandbox mode only). */
  demoToken?: string;
  /** Said once at start when the cursor secret is random (a dev-only setting). */
  warn?: (message: string) => void;
}

export interface App {
  /** The Node request listener: GraphQL at /graphql plus the facade's other routes. */
  handle: RequestListener;
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  services: Services;
  close(): Promise<void>;
}

export function createApp(config: Config, deps: AppDeps = {}): App {
  if (!config.partnerApiUrl && !deps.http) throw new Error('createApp needs config.partnerApiUrl or deps.http');
  const services = createServices(config, deps);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    context: ({ request }) => createContext(services, request, operationSignal(request, config)),
    maskedErrors: { maskError, isDev: config.mode === 'development' },
    graphiql: {
      title: 'Partner Graph',
      defaultQuery: EXAMPLE_OPERATION,
      ...(deps.demoToken ? { headers: JSON.stringify({ Authorization: `Bearer ${deps.demoToken}` }, null, 2) } : {}),
    },
    plugins: [useCallerCredentials()],
  });

  const handle: RequestListener = (req, res) => {
    const target = requestPath(req);
    if (target === null) return sendJson(res, 400, { message: 'Bad request target.' });
    if (countHeader(req, 'authorization') > 1) {
      return sendJson(res, 401, { errors: [{ message: 'Send exactly one Authorization header.', extensions: { code: 'UNAUTHENTICATED' } }] });
    }
    if (target === '/graphql') return void yoga(req, res);
    if (target === '/health') return sendJson(res, 200, { status: 'ok' });
    return sendJson(res, 404, { message: 'Not found.' });
  };

  return { handle, yoga, services, close: () => services.http.close() };
}

function createServices(config: Config, deps: AppDeps): Services {
  if (!config.cursorSecret) {
    deps.warn?.('CURSOR_SECRET is not set: cursors are signed with a random key and stop working when this process ends.');
  }
  const secret = config.cursorSecret ?? randomBytes(32).toString('base64url');
  return {
    config,
    http:
      deps.http ??
      createUpstreamHttp({ baseUrl: config.partnerApiUrl ?? '', timeoutMs: config.upstream.timeoutMs, maxSockets: config.upstream.maxSockets }),
    cursors: createCursorCodec(secret),
    keptPages: createKeptPages({ ttlMs: config.paging.keptPageTtlMs, maxEntries: config.paging.keptPageMaxEntries }),
    callerKeySecret: createHmac('sha256', secret).update('caller-key').digest(),
  };
}

/** Aborted when the operation's overall deadline passes or the client goes away. */
function operationSignal(request: Request, config: Config): AbortSignal {
  return AbortSignal.any([request.signal, AbortSignal.timeout(config.upstream.operationDeadlineMs)]);
}

/** The path of an origin-form request target; null for absolute-form, `*` or anything malformed. */
function requestPath(req: IncomingMessage): string | null {
  const url = req.url ?? '';
  if (!url.startsWith('/') || url.startsWith('//')) return null;
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return null;
  }
}

function countHeader(req: IncomingMessage, name: string): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === name) count++;
  return count;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
