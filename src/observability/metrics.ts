import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from '../partner/resilience/circuit-breaker.ts';
import type { ResilienceEvents } from '../partner/resilience/resilient-http.ts';
import { type BuildInfo, readBuildInfo } from './build-info.ts';

/**
 * The Prometheus series of one app, in its own registry (never prom-client's global one, so two
 * apps in one process, as in the tests, count apart). No label ever holds a token, a ticket, a
 * caller key or anything else a caller sent, except operation names, which are capped (below).
 */
export interface Metrics {
  registry: Registry;
  /** Upstream calls, retries and breaker changes, from the resilience layer's event hook. */
  upstreamEvents: ResilienceEvents;
  /** One GraphQL operation (each operation of a batch counts), from its report (src/graphql/plugins/operation-report.ts). */
  observeOperation(report: OperationReport): void;
  /** Which transport answered a GraphQL POST: the direct path or Yoga (src/graphql/direct.ts says which go where). */
  graphqlTransport(transport: 'direct' | 'yoga'): void;
  /** What answered an executed operation: its compiled plan, full execution after the plan gave up, or full execution alone (src/graphql/plan/). */
  graphqlExecutor(executor: 'plan' | 'fallback' | 'full'): void;
  /** Called when a response is done: the route is one of a fixed few names. */
  observeHttp(route: HttpRoute, status: number | 'aborted', seconds: number): void;
  httpStarted(): () => void;
  rateLimited(): void;
  rateLimitStoreError(): void;
  /** Whether the shared Redis is up (1) or failing fast (0); the series exists from the first report on, so only with REDIS_URL. */
  redisUp(up: boolean): void;
  /** One Redis command of a store that failed or was refused while Redis was down; `feature` is one of REDIS_FEATURES. */
  redisFailure(feature: string): void;
  /** The exposition text: this process's series, or what `renderFrom` installed. */
  render(): Promise<string>;
  /** Cluster workers: read the sum over all workers instead (see src/cluster.ts). */
  renderFrom(source: () => Promise<string>): void;
}

/** What one GraphQL operation came to, reported once it is answered. */
export interface OperationReport {
  name: string | null;
  /** `extensions.code` of each error in the answer ('OTHER' where there is none). */
  codes: readonly string[];
  hasData: boolean;
  seconds: number;
}

export type HttpRoute = 'graphql' | 'downloads' | 'health' | 'ready' | 'metrics' | 'other';

const PREFIX = 'partner_graph_';
/** Distinct operation names labelled per process; later ones count as "other" so no caller can grow the series without bound. */
const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,47}$/;
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** The stores that keep state in Redis, as they name themselves to the shared client. */
export const REDIS_FEATURES = ['rate_limit', 'kept_pages', 'download_tickets', 'customer_directory'] as const;
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function createMetrics(build: BuildInfo = readBuildInfo()): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const make = { registers: [registry] };
  new Gauge({
    ...make,
    name: `${PREFIX}build_info`,
    help: 'Always 1: the version, commit and Node.js runtime of this process, as labels',
    labelNames: ['version', 'commit', 'node'],
  }).set({ version: build.version, commit: build.commit, node: build.node }, 1);

  const httpRequests = new Counter({
    ...make,
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests by route and status code',
    labelNames: ['route', 'status'],
  });
  const httpDuration = new Histogram({
    ...make,
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration by route',
    labelNames: ['route'],
    buckets: DURATION_BUCKETS,
  });
  const httpInFlight = new Gauge({
    ...make,
    name: `${PREFIX}http_requests_in_flight`,
    help: 'HTTP requests being served',
  });
  const operations = new Counter({
    ...make,
    name: `${PREFIX}graphql_operations_total`,
    help: 'GraphQL operations by operation name and outcome (success, partial, error)',
    labelNames: ['operation', 'outcome'],
  });
  const operationDuration = new Histogram({
    ...make,
    name: `${PREFIX}graphql_operation_duration_seconds`,
    help: 'GraphQL operation duration, parse to result, by operation name and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: DURATION_BUCKETS,
  });
  const graphqlErrors = new Counter({
    ...make,
    name: `${PREFIX}graphql_errors_total`,
    help: 'Errors in GraphQL results by extensions.code',
    labelNames: ['code'],
  });
  const upstreamCalls = new Counter({
    ...make,
    name: `${PREFIX}upstream_calls_total`,
    help: 'Logical partner API calls (all attempts of one call) by endpoint, last HTTP status ("none" if no answer) and outcome ("ok" or the error code)',
    labelNames: ['endpoint', 'status', 'outcome'],
  });
  const upstreamDuration = new Histogram({
    ...make,
    name: `${PREFIX}upstream_call_duration_seconds`,
    help: 'Partner API call duration, retries included, by endpoint and last status',
    labelNames: ['endpoint', 'status'],
    buckets: DURATION_BUCKETS,
  });
  const upstreamRetries = new Counter({
    ...make,
    name: `${PREFIX}upstream_retries_total`,
    help: 'Partner API retries by endpoint and reason',
    labelNames: ['endpoint', 'reason'],
  });
  const transports = new Counter({
    ...make,
    name: `${PREFIX}graphql_posts_by_lane_total`,
    help: 'GraphQL POSTs by the transport that answered them: "direct" (src/graphql/direct.ts) or "yoga"',
    labelNames: ['lane'],
  });
  const executors = new Counter({
    ...make,
    name: `${PREFIX}graphql_operations_by_executor_total`,
    help: 'Executed GraphQL operations by what answered them: "plan" (a compiled operation plan), "fallback" (full execution after the plan gave up) or "full"',
    labelNames: ['executor'],
  });
  const failedFast = new Counter({
    ...make,
    name: `${PREFIX}upstream_failed_fast_total`,
    help: 'Partner API calls refused by an open circuit breaker without calling',
    labelNames: ['endpoint'],
  });
  const budgetExhausted = new Counter({
    ...make,
    name: `${PREFIX}upstream_retry_budget_exhausted_total`,
    help: 'Retries skipped because the retry budget was spent',
    labelNames: ['endpoint'],
  });
  const breakerState = new Gauge({
    ...make,
    name: `${PREFIX}upstream_breaker_state`,
    help: 'Circuit breaker state per endpoint: 0 closed, 1 half-open, 2 open',
    labelNames: ['endpoint'],
    aggregator: 'max',
  });
  const breakerTransitions = new Counter({
    ...make,
    name: `${PREFIX}upstream_breaker_transitions_total`,
    help: 'Circuit breaker state changes by endpoint and new state',
    labelNames: ['endpoint', 'to'],
  });
  const rateLimitRejections = new Counter({
    ...make,
    name: `${PREFIX}rate_limit_rejections_total`,
    help: 'Requests refused with RATE_LIMITED (HTTP 429)',
  });
  const rateLimitStoreErrors = new Counter({
    ...make,
    name: `${PREFIX}rate_limit_store_errors_total`,
    help: 'Times the shared (Redis) rate-limit store failed and process memory decided instead',
  });

  const redisFailures = new Counter({
    ...make,
    name: `${PREFIX}redis_failures_total`,
    help: 'Redis commands that failed, or were refused at once while Redis was down, by the store that sent them',
    labelNames: ['feature'],
  });
  let redisUp: Gauge | undefined;
  const redisUpGauge = () => {
    redisUp ??= new Gauge({
      ...make,
      name: `${PREFIX}redis_up`,
      help: 'Whether the shared Redis answers (1) or its commands fail fast (0)',
      aggregator: 'min',
    });
    for (const feature of REDIS_FEATURES) redisFailures.inc({ feature }, 0);
    return redisUp;
  };

  const names = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (names.has(name)) return name;
    if (names.size >= MAX_OPERATION_NAMES) return 'other';
    names.add(name);
    return name;
  };

  const upstreamEvents: ResilienceEvents = {
    onUpstreamCall(info) {
      const endpoint = safeLabel(info.endpoint);
      const status = info.status === null ? 'none' : String(info.status);
      upstreamCalls.inc({ endpoint, status, outcome: info.code ?? 'ok' });
      upstreamDuration.observe({ endpoint, status }, info.durationMs / 1000);
      if (info.failedFast) failedFast.inc({ endpoint });
      if (info.retryBudgetExhausted) budgetExhausted.inc({ endpoint });
      breakerState.set({ endpoint }, BREAKER_VALUE[info.breaker]);
    },
    onRetry(info) {
      upstreamRetries.inc({ endpoint: safeLabel(info.endpoint), reason: info.reason });
    },
    onBreakerStateChange(change) {
      const endpoint = safeLabel(change.endpoint);
      breakerState.set({ endpoint }, BREAKER_VALUE[change.to]);
      breakerTransitions.inc({ endpoint, to: change.to });
    },
  };

  const observeOperation = (report: OperationReport) => {
    const outcome = report.codes.length === 0 ? 'success' : report.hasData ? 'partial' : 'error';
    const labels = { operation: operationLabel(report.name), outcome };
    operations.inc(labels);
    operationDuration.observe(labels, report.seconds);
    for (const code of report.codes) graphqlErrors.inc({ code: ERROR_CODE.test(code) ? code : 'OTHER' });
  };

  let source = () => registry.metrics();

  return {
    registry,
    upstreamEvents,
    observeOperation,
    graphqlTransport: (transport) => transports.inc({ lane: transport }),
    graphqlExecutor: (executor) => executors.inc({ executor }),
    observeHttp(route, status, seconds) {
      httpRequests.inc({ route, status: String(status) });
      httpDuration.observe({ route }, seconds);
    },
    httpStarted() {
      httpInFlight.inc();
      return () => httpInFlight.dec();
    },
    rateLimited: () => rateLimitRejections.inc(),
    rateLimitStoreError: () => rateLimitStoreErrors.inc(),
    redisUp: (up) => redisUpGauge().set(up ? 1 : 0),
    redisFailure(feature) {
      redisFailures.inc({ feature: REDIS_FEATURES.some((known) => known === feature) ? feature : 'other' });
    },
    render: () => source(),
    renderFrom(next) {
      source = next;
    },
  };
}

function safeLabel(value: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : 'other';
}
