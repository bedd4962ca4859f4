import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { DestinationStream } from 'pino';
import type { Config } from './config.ts';
import { type Context, createContext, type Services } from './context.ts';
import { createDownloads } from './downloads/downloads.ts';
import { createGraphiQLPage, partnerGraphiQLOptions } from './graphql/graphiql.ts';
import { createFastLane } from './http/fast-lane.ts';
import { createGraphQLRoute } from './http/graphql-route.ts';
import { countHeader, requestPath } from './http/request-guard.ts';
import { sendGraphQLError, sendJson } from './http/respond.ts';
import { responseDeadline } from './http/response-deadline.ts';
import { corsOptions, yogaPlugins } from './http/yoga-plugins.ts';
import { createRateLimiter } from './limits/rate-limit.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { createRequestLog, REQUEST_ID_HEADER } from './logging/request-log.ts';
import { upstreamLogEvents } from './logging/upstream-log.ts';
import { createOperations, type Operations } from './ops/operations.ts';
import { createCursorCodec } from './pagination/cursor.ts';
import { createKeptPages } from './pagination/kept-pages.ts';
import { createUpstreamHttp, type UpstreamHttp } from './partner/http.ts';
import { deadlineSignal } from './partner/resilience/deadline.ts';
import {
  combineEvents,
  createResilientHttp,
  type ResilienceEvents,
  type ResilienceOptions,
} from './partner/resilience/resilient-http.ts';
import { maskError } from './schema/errors.ts';
import { schema } from './schema/index.ts';

export interface AppDeps {
  /** The transport to the partner API; built from config when absent. */
  http?: UpstreamHttp;
  /** A token GraphiQL's headers pane is prefilled with (sandbox mode only). */
  demoToken?: string;
  /** Said once at start when the cursor secret is random (a dev-only setting). */
  warn?: (message: string) => void;
  /** The JSON logger; built from config.logLevel, writing to `logDestination` or stdout, when absent. */
  logger?: Logger;
  logDestination?: DestinationStream;
  /** More listeners for upstream calls, retries and breaker changes (e.g. metrics), besides the log. */
  upstreamEvents?: ResilienceEvents;
  /** The clock download tickets expire by; Date.now when absent. */
  now?: () => number;
  /** false: every GraphQL request goes through Yoga (the tests compare both lanes). */
  fastLane?: boolean;
}

export interface App {
  /** The Node request listener: GraphQL at /graphql plus the facade's other routes. */
  handle: RequestListener;
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  services: Services;
  /** /ready, /metrics and traces; `ops.readiness.drain()` turns /ready to 503 when shutting down. */
  ops: Operations;
  close(): Promise<void>;
}

export function createApp(config: Config, deps: AppDeps = {}): App {
  if (!config.partnerApiUrl && !deps.http) throw new Error('createApp needs config.partnerApiUrl or deps.http');
  const ops = createOperations(config);
  const services = createServices(config, {
    ...deps,
    upstreamEvents: combineEvents(ops.upstreamEvents, deps.upstreamEvents),
  });
  const rateLimiter = createRateLimiter({
    settings: config.rateLimit,
    callerKeySecret: services.callerKeySecret,
    onRejected: ops.metrics.rateLimited,
    onStoreError: ops.metrics.rateLimitStoreError,
    warn: (message) => services.logger.warn(message),
  });
  const requestLog = createRequestLog(services.logger);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    // The fast lane brings its own operation signal (one per request); Yoga's requests get one here.
    context: ({ request, res, operationSignal: laneSignal }) =>
      createContext(
        services,
        request,
        (laneSignal as AbortSignal | undefined) ?? operationSignal(request, res as ServerResponse | undefined, config),
        requestLog.requestIdOf(request),
      ),
    maskedErrors: { maskError, isDev: config.mode === 'development' },
    // Served by the routes below, compressed and cached (src/graphql/graphiql.ts).
    graphiql: false,
    batching: { limit: config.limits.maxBatch },
    // The /graphql route bounds and parses the body itself (src/http/graphql-route.ts); Yoga's own
    // limit would pipe the already-read body through a TransformStream on every request.
    maxRequestBodySize: false,
    cors: corsOptions(config.browser.corsOrigins),
    plugins: [requestLog.plugin, ...ops.plugins, rateLimiter.plugin, ...yogaPlugins(config)],
  });

  const fastLane = createFastLane({
    yoga,
    persistedOperationsRequired: config.persistedOperations === 'require',
    introspection: config.browser.introspection,
    isDev: config.mode === 'development',
    deadlineMs: config.upstream.operationDeadlineMs,
    observers: {
      began: (request) => requestLog.began(request),
      admit: (request, req) => rateLimiter.admit(request, 1, req),
      started: (request, context, name) => {
        requestLog.requested(request, name);
        ops.metrics.operationStarted(context, name);
      },
      executed: (context, result) => ops.metrics.operationExecuted(context, result),
      processed: (request, result) => requestLog.processed(request, result),
      answered: (request, status) => ({ [REQUEST_ID_HEADER]: requestLog.answered(request, status) }),
    },
  });
  const lane = async (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const taken = deps.fastLane !== false && (await fastLane(req, res, body));
    ops.metrics.graphqlLane(taken ? 'fast' : 'yoga');
    return taken;
  };
  const serveGraphQL = createGraphQLRoute(yoga, config.limits, lane);
  const graphiql = config.browser.graphiql ? createGraphiQLPage(partnerGraphiQLOptions(deps.demoToken)) : null;
  const handle: RequestListener = (req, res) => {
    const target = requestPath(req);
    ops.observe(res, target);
    if (target === null) return sendJson(res, 400, { message: 'Bad request target.' });
    if (countHeader(req, 'authorization') > 1) {
      return sendGraphQLError(res, 401, 'UNAUTHENTICATED', 'Send exactly one Authorization header.');
    }
    if (graphiql?.handles(req, target)) return void graphiql.serve(req, res, target).catch(() => failSafely(res));
    if (target === '/graphql') return void serveGraphQL(req, res).catch(() => failSafely(res));
    if (target === '/downloads' || target.startsWith('/downloads/')) return services.downloads.handle(req, res, target);
    if (target === '/health') return sendJson(res, 200, { status: 'ok' });
    if (target === '/ready' || target === '/metrics')
      return void ops.handle(req, res, target).catch(() => failSafely(res));
    return sendJson(res, 404, { message: 'Not found.' });
  };

  return {
    handle,
    yoga,
    services,
    ops,
    async close() {
      await rateLimiter.close();
      await services.downloads.close();
      await services.http.close();
    },
  };
}

/**
 * The HTTP server for an app. A client that announces an oversized body with `Expect: 100-continue`
 * is refused (413) before it sends a byte, instead of getting Node's automatic `100 Continue`.
 */
export function createAppServer(app: App): Server {
  const server = createServer(app.handle);
  const limit = app.services.config.limits.maxBodyBytes;
  server.on('checkContinue', (req, res) => {
    if (Number(req.headers['content-length'] ?? NaN) > limit) {
      return sendGraphQLError(res, 413, 'BAD_USER_INPUT', `The request body is over ${limit} bytes.`, {
        connection: 'close',
      });
    }
    res.writeContinue();
    app.handle(req, res);
  });
  return server;
}

function createServices(config: Config, deps: AppDeps): Services {
  if (!config.cursorSecret) {
    deps.warn?.(
      'CURSOR_SECRET is not set: cursors are signed with a random key and stop working when this process ends.',
    );
  }
  const secret = config.cursorSecret ?? randomBytes(32).toString('base64url');
  const logger =
    deps.logger ??
    createLogger({ level: config.logLevel, ...(deps.logDestination ? { destination: deps.logDestination } : {}) });
  const transport =
    deps.http ??
    createUpstreamHttp({
      baseUrl: config.partnerApiUrl ?? '',
      timeoutMs: config.upstream.timeoutMs,
      maxSockets: config.upstream.maxSockets,
    });
  const http = createResilientHttp(
    transport,
    resilienceOptions(config, combineEvents(upstreamLogEvents(logger), deps.upstreamEvents)),
  );
  return {
    config,
    logger,
    http,
    cursors: createCursorCodec(secret),
    keptPages: createKeptPages({ ttlMs: config.paging.keptPageTtlMs, maxEntries: config.paging.keptPageMaxEntries }),
    callerKeySecret: createHmac('sha256', secret).update('caller-key').digest(),
    downloads: createDownloads({
      settings: config.downloads,
      secret,
      http,
      forwardHeaders: config.forwardHeaders,
      logger,
      ...(deps.now ? { now: deps.now } : {}),
    }),
  };
}

/** The operations of a batch run together and share their request's deadline (one listener on the response). */
const operationSignals = new WeakMap<Request, AbortSignal>();

/** Aborted when the operation's overall deadline passes or the client goes away; its timer goes when the answer is done. */
function operationSignal(request: Request, res: ServerResponse | undefined, config: Config): AbortSignal {
  let signal = operationSignals.get(request);
  if (!signal) {
    const ms = config.upstream.operationDeadlineMs;
    signal = res ? responseDeadline(res, ms).signal : deadlineSignal(ms, request.signal);
    operationSignals.set(request, signal);
  }
  return signal;
}

function resilienceOptions(config: Config, events: ResilienceEvents): ResilienceOptions {
  const { retry, breaker, maxConcurrent, maxQueued, timeoutMs } = config.upstream;
  return {
    retry: { maxAttempts: retry.maxAttempts, baseDelayMs: retry.baseDelayMs, maxDelayMs: retry.maxDelayMs },
    budget: { ratio: retry.budgetRatio, floorPerSecond: retry.budgetFloorPerSecond },
    breaker,
    concurrency: { maxConcurrent, maxQueue: maxQueued },
    callTimeoutMs: timeoutMs,
    events,
  };
}

/** The last line of defence: an unexpected failure answers 500 with no detail, and never crashes the process. */
function failSafely(res: ServerResponse): void {
  if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
  else res.destroy();
}
