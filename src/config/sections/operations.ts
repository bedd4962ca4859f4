import { z } from 'zod';
import { bool, int, secret } from '../fields.ts';

/** Readiness, metrics, tracing, shutdown and worker processes: see src/observability/ and src/cluster.ts. */
export const operationsSection = z
  .object({
    READY_UPSTREAM_FRESH_MS: int(0, 3_600_000).default(30_000),
    READY_PROBE_TIMEOUT_MS: int(1, 60_000).default(2_000),
    SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
    WORKERS: z
      .union([z.literal('auto'), int(1, 1_024)], { error: "'auto' or a whole number from 1 to 1024" })
      .default(1),
    TRACING: bool.optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().optional(),
    METRICS_TOKEN: secret(16).optional(),
  })
  .transform((e) => ({
    operations: {
      /** /ready counts the upstream as reachable when it answered (any status) this recently; else it probes. */
      readyUpstreamFreshMs: e.READY_UPSTREAM_FRESH_MS,
      readyProbeTimeoutMs: e.READY_PROBE_TIMEOUT_MS,
      /** How long SIGTERM/SIGINT lets in-flight requests finish before connections are cut. */
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      /** Processes serving the port: a number, or 'auto' for one per available core. */
      workers: e.WORKERS,
      /** Spans via @opentelemetry/api; they are exported only when an OpenTelemetry SDK is registered. */
      tracing: e.TRACING ?? Boolean(e.OTEL_EXPORTER_OTLP_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
      /** When set, /metrics asks for `Authorization: Bearer <metricsToken>`. */
      metricsToken: e.METRICS_TOKEN ?? null,
    },
  }));
