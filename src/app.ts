import { randomBytes, createHmac } from 'node:crypto';
import type { RequestListener, ServerResponse } from 'node:http';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config.ts';
import { createContext, type Context, type Services } from './context.ts';
import { createDownloads } from './downloads/downloads.ts';
import { EXAMPLE_OPERATION } from './graphiql.ts';
import { createGraphQLRoute } from './http/graphql-route.ts';
import { countHeader, requestPath } from './http/request-guard.ts';
import { sendGraphQLError, sendJson } from './http/respond.ts';
import { createCursorCodec } from './pagination/cursor.ts';
import { createKeptPages } from './pagination/kept-pages.ts';
import { createUpstreamHttp, type UpstreamHttp } from './partner/http.ts';
import { useCallerCredentials } from './schema/auth-plugin.ts';
import { maskError } from './schema/errors.ts';
import { useOperationLimits } from './schema/limits.ts';
import { schema } from './schema/index.ts';

export interface AppDeps {
  /** The transport to the partner API; built from config when absent. */
  http?: UpstreamHttp;
  /** A token GraphiQL's headers pane is prefilled with (sandbox mode only). */
  demoToken?: string;
  /** Said once at start when the cursor secret is random (a dev-only setting). */
  warn?: (message: string) => void;
  /** The clock download tickets expire by; Date.now when absent. */
  now?: () => number;
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
    batching: { limit: config.limits.maxBatch },
    plugins: [useOperationLimits(config.limits, config.mode === 'production'), useCallerCredentials()],
  });

  const serveGraphQL = createGraphQLRoute(yoga, config.limits);
  const handle: RequestListener = (req, res) => {
    const target = requestPath(req);
    if (target === null) return sendJson(res, 400, { message: 'Bad request target.' });
    if (countHeader(req, 'authorization') > 1) {
      return sendGraphQLError(res, 401, 'UNAUTHENTICATED', 'Send exactly one Authorization header.');
    }
    if (target === '/graphql') return void serveGraphQL(req, res).catch(() => failSafely(res));
    if (target === '/downloads' || target.startsWith('/downloads/')) return services.downloads.handle(req, res, target);
    if (target === '/health') return sendJson(res, 200, { status: 'ok' });
    return sendJson(res, 404, { message: 'Not found.' });
  };

  return {
    handle,
    yoga,
    services,
    async close() {
      await services.downloads.close();
      await services.http.close();
    },
  };
}

function createServices(config: Config, deps: AppDeps): Services {
  if (!config.cursorSecret) {
    deps.warn?.('CURSOR_SECRET is not set: cursors are signed with a random key and stop working when this process ends.');
  }
  const secret = config.cursorSecret ?? randomBytes(32).toString('base64url');
  const http =
    deps.http ??
    createUpstreamHttp({ baseUrl: config.partnerApiUrl ?? '', timeoutMs: config.upstream.timeoutMs, maxSockets: config.upstream.maxSockets });
  return {
    config,
    http,
    cursors: createCursorCodec(secret),
    keptPages: createKeptPages({ ttlMs: config.paging.keptPageTtlMs, maxEntries: config.paging.keptPageMaxEntries }),
    callerKeySecret: createHmac('sha256', secret).update('caller-key').digest(),
    downloads: createDownloads({ settings: config.downloads, secret, http, forwardHeaders: config.forwardHeaders, ...(deps.now ? { now: deps.now } : {}), ...(deps.warn ? { warn: deps.warn } : {}) }),
  };
}

/** Aborted when the operation's overall deadline passes or the client goes away. */
function operationSignal(request: Request, config: Config): AbortSignal {
  return AbortSignal.any([request.signal, AbortSignal.timeout(config.upstream.operationDeadlineMs)]);
}

/** The last line of defence: an unexpected failure answers 500 with no detail, and never crashes the process. */
function failSafely(res: ServerResponse): void {
  if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
  else res.destroy();
}
