import type { RequestListener } from 'node:http';
import type { DestinationStream } from 'pino';
import { type CallerKeys, createCallerKeys } from './auth/caller-key.ts';
import type { Config } from './config/index.ts';
import { createGraphiQLPage, partnerGraphiQLOptions } from './graphql/graphiql.ts';
import { createGraphQLCore, type Yoga } from './graphql/yoga.ts';
import { createGraphQLRoute } from './http/graphql-route.ts';
import { createRouter } from './http/router.ts';
import { createRateLimiter } from './limits/rate-limit.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { createRequestRecords } from './logging/request-record.ts';
import { createOperations, type Operations } from './observability/endpoints.ts';
import type { UpstreamHttp } from './partner/http.ts';
import { combineEvents, type ResilienceEvents } from './partner/resilience/resilient-http.ts';
import { type AppServices, createServices } from './services.ts';

export interface AppDeps {
  /** The transport to the partner API; built from config when absent. */
  http?: UpstreamHttp;
  /** A token GraphiQL's headers pane is prefilled with (sandbox mode only). */
  demoToken?: string;
  /** The JSON logger; else one from config, writing to `logDestination` or stdout. */
  logger?: Logger;
  logDestination?: DestinationStream;
  /** More listeners for upstream calls, retries and breaker changes, besides the log and metrics. */
  upstreamEvents?: ResilienceEvents;
  /** The clock links and tokens expire by (Date.now), and false to send every request through Yoga (tests). */
  now?: () => number;
  directPath?: boolean;
  /** false: no compiled operation plans (tests compare both executors). */
  operationPlans?: boolean;
}

export interface App {
  handle: RequestListener;
  yoga: Yoga;
  services: AppServices;
  callerKeys: CallerKeys;
  logger: Logger;
  /** /ready, /metrics and traces; `ops.readiness.drain()` turns /ready to 503 when shutting down. */
  ops: Operations;
  close(): Promise<void>;
}

/** The composition root: services, the GraphQL core and the routes, wired. */
export function createApp(config: Config, deps: AppDeps = {}): App {
  if (!config.partnerApiUrl && !deps.http) throw new Error('createApp needs config.partnerApiUrl or deps.http');
  const logger =
    deps.logger ?? createLogger({ level: config.logLevel, mode: config.mode, destination: deps.logDestination });
  const ops = createOperations(config);
  const upstreamEvents = combineEvents(ops.upstreamEvents, deps.upstreamEvents);
  const { metrics } = ops;
  const redisEvents = ops.redisEvents;
  const services = createServices(config, { logger, http: deps.http, upstreamEvents, now: deps.now, redisEvents });
  if (services.redis) ops.watchRedis(services.redis);
  const callerKeys = createCallerKeys(services.secret);
  const rateLimiter = createRateLimiter({
    settings: config.rateLimit,
    redis: services.redis,
    onRejected: metrics.rateLimited,
    onStoreError: metrics.rateLimitStoreError,
  });
  const graphql = createGraphQLCore({
    services,
    metrics,
    directPath: deps.directPath,
    operationPlans: deps.operationPlans,
  });
  const graphiql = config.browser.graphiql ? createGraphiQLPage(partnerGraphiQLOptions(deps.demoToken)) : null;
  const settings = { limits: config.limits, deadlineMs: config.upstream.operationDeadlineMs, graphiql };
  const handle = createRouter(createRequestRecords(logger, metrics), {
    graphql: createGraphQLRoute({ ...settings, rateLimiter, callerKeys, graphql: graphql.serve, now: deps.now }),
    downloads: services.downloads.handle,
    health: (req, res) => ops.serveHealth(req, res),
    ready: (req, res) => ops.serveReady(req, res),
    metrics: (req, res) => ops.serveMetrics(req, res),
  });
  const close = async () => {
    await rateLimiter.close();
    await services.downloads.close();
    await services.http.close();
    await services.redis?.close();
  };
  return { handle, yoga: graphql.yoga, services, callerKeys, logger, ops, close };
}
