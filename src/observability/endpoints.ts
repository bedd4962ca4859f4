import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config/index.ts';
import { sendJson } from '../http/respond.ts';
import { combineEvents, type ResilienceEvents } from '../partner/resilience/resilient-http.ts';
import { createMetrics, type HttpRoute, type Metrics } from './metrics.ts';
import { createReadiness, type Readiness } from './readiness.ts';
import { upstreamTraceEvents, useOperationTracing } from './tracing.ts';

/** What operators look at: /ready, /metrics, traces. Built once per app; holds nothing of a caller. */
export interface Operations {
  metrics: Metrics;
  readiness: Readiness;
  /** For the resilience layer's hook: metrics, readiness and (when on) traces of upstream calls. */
  upstreamEvents: ResilienceEvents;
  /** Yoga plugins, to run before any plugin that may stop an operation (so every operation is seen). */
  plugins: Plugin[];
  /** Counts a request when its response is done; call as it arrives. */
  observe(res: ServerResponse, target: string | null): void;
  /** Serves GET /ready and GET /metrics. */
  handle(req: IncomingMessage, res: ServerResponse, target: '/ready' | '/metrics'): Promise<void>;
}

const NO_STORE = { 'cache-control': 'no-store' };

export function createOperations(config: Config): Operations {
  const metrics = createMetrics();
  const readiness = createReadiness({
    upstreamBaseUrl: config.partnerApiUrl,
    freshMs: config.operations.readyUpstreamFreshMs,
    probeTimeoutMs: config.operations.readyProbeTimeoutMs,
  });
  const tracing = config.operations.tracing;
  const metricsAuthorization =
    config.operations.metricsToken === null ? null : digest(`Bearer ${config.operations.metricsToken}`);

  return {
    metrics,
    readiness,
    upstreamEvents: combineEvents(
      metrics.upstreamEvents,
      readiness.upstreamEvents,
      tracing ? upstreamTraceEvents() : undefined,
    ),
    plugins: [metrics.plugin, ...(tracing ? [useOperationTracing()] : [])],
    observe(res, target) {
      const started = performance.now();
      const done = metrics.httpStarted();
      res.once('close', () => {
        done();
        metrics.observeHttp(
          routeOf(target),
          res.writableFinished ? res.statusCode : 'aborted',
          (performance.now() - started) / 1000,
        );
      });
    },
    async handle(req, res, target) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendJson(res, 405, { message: 'Use GET.' }, { allow: 'GET, HEAD' });
      if (target === '/ready') {
        const { ready, ...report } = await readiness.check();
        return sendJson(res, ready ? 200 : 503, report, NO_STORE);
      }
      if (metricsAuthorization && !timingSafeEqual(digest(req.headers.authorization ?? ''), metricsAuthorization)) {
        return sendJson(
          res,
          401,
          { message: 'Send `Authorization: Bearer <METRICS_TOKEN>`.' },
          { 'www-authenticate': 'Bearer' },
        );
      }
      const text = await metrics.render();
      res.writeHead(200, {
        'content-type': metrics.registry.contentType,
        'content-length': Buffer.byteLength(text),
        ...NO_STORE,
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
  };
}

function routeOf(target: string | null): HttpRoute {
  if (target === '/graphql') return 'graphql';
  if (target === '/downloads' || target?.startsWith('/downloads/')) return 'downloads';
  if (target === '/health') return 'health';
  if (target === '/ready') return 'ready';
  if (target === '/metrics') return 'metrics';
  return 'other';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
