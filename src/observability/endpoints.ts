import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/index.ts';
import type { RedisStateChange, SharedRedis } from '../lib/redis.ts';
import { sendError, sendJson } from '../lib/respond.ts';
import { combineEvents, type ResilienceEvents } from '../partner/resilience/resilient-http.ts';
import { readBuildInfo } from './build-info.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createReadiness, type Readiness } from './readiness.ts';
import { upstreamTraceEvents } from './tracing.ts';

/** What operators look at: /ready, /metrics, traces. Built once per app; holds nothing of a caller. */
export interface Operations {
  metrics: Metrics;
  readiness: Readiness;
  /** For the resilience layer's hook: metrics, readiness and (when on) traces of upstream calls. */
  upstreamEvents: ResilienceEvents;
  /** Listeners for the shared Redis: its state and failures, as metrics. */
  redisEvents: { onStateChange(change: RedisStateChange): void; onFailure(feature: string): void };
  /** Redis down makes /ready name it under `degraded` (the server still serves). */
  watchRedis(redis: SharedRedis): void;
  serveHealth(req: IncomingMessage, res: ServerResponse): void;
  serveReady(req: IncomingMessage, res: ServerResponse): Promise<void>;
  serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const NO_STORE = { 'cache-control': 'no-store' };

export function createOperations(config: Config): Operations {
  const build = readBuildInfo();
  const metrics = createMetrics(build);
  const readiness = createReadiness({
    upstreamBaseUrl: config.partnerApiUrl,
    freshMs: config.operations.readyUpstreamFreshMs,
    probeTimeoutMs: config.operations.readyProbeTimeoutMs,
  });
  const metricsAuthorization =
    config.operations.metricsToken === null ? null : digest(`Bearer ${config.operations.metricsToken}`);

  return {
    metrics,
    readiness,
    upstreamEvents: combineEvents(
      metrics.upstreamEvents,
      readiness.upstreamEvents,
      config.operations.tracing ? upstreamTraceEvents() : undefined,
    ),
    serveHealth(_req, res) {
      sendJson(res, 200, { status: 'ok', version: build.version, commit: build.commit }, NO_STORE);
    },
    redisEvents: {
      onStateChange: (change) => metrics.redisUp(change.to === 'up'),
      onFailure: (feature) => metrics.redisFailure(feature),
    },
    watchRedis(redis) {
      metrics.redisUp(false);
      readiness.watch('redis', () => redis.state() === 'down');
    },
    async serveReady(req, res) {
      if (refuseMethod(req, res)) return;
      const { ready, ...report } = await readiness.check();
      sendJson(res, ready ? 200 : 503, report, NO_STORE);
    },
    async serveMetrics(req, res) {
      if (refuseMethod(req, res)) return;
      if (metricsAuthorization && !timingSafeEqual(digest(req.headers.authorization ?? ''), metricsAuthorization)) {
        return sendError(res, 401, 'UNAUTHENTICATED', 'Send `Authorization: Bearer <METRICS_TOKEN>`.', {
          'www-authenticate': 'Bearer',
        });
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

function refuseMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET.', { allow: 'GET, HEAD' });
  return true;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
