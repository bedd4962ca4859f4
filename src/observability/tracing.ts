import { SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { ResilienceEvents } from '../partner/resilience/resilient-http.ts';

// Spans go through @opentelemetry/api only: without a registered SDK every call is a no-op. The
// SDK (exporter, sampler, resource) is the operator's choice, loaded before the app with
// `node --import @opentelemetry/auto-instrumentations-node/register`, which reads the standard
// OTEL_* variables; this module never loads it, so a deployment without tracing carries none of it.
const TRACER_NAME = 'partner-graph';

export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Null when spans will be recorded; else why not (tracing asked for, no SDK registered). */
export function tracingProblem(): string | null {
  const span = tracer().startSpan('partner-graph.startup-check');
  const recording = span.isRecording();
  span.end();
  return recording
    ? null
    : 'Tracing is on (TRACING or OTEL_EXPORTER_OTLP_ENDPOINT) but no OpenTelemetry SDK is registered: start the process with `node --import @opentelemetry/auto-instrumentations-node/register` (installed in the image), or spans go nowhere.';
}

/**
 * A client span per logical upstream call (retries included), made when the call ends from the
 * resilience layer's report, back-dated to when it started. Auto-instrumentation of undici, when
 * installed, adds a span per attempt beside it.
 */
export function upstreamTraceEvents(): ResilienceEvents {
  return {
    onUpstreamCall(info) {
      const span = tracer().startSpan(`GET ${info.endpoint}`, {
        kind: SpanKind.CLIENT,
        startTime: Date.now() - info.durationMs,
        attributes: {
          'http.request.method': 'GET',
          'partner.endpoint': info.endpoint,
          'partner.attempts': info.attempts,
          'partner.retries': info.retries,
          'partner.breaker': info.breaker,
          ...(info.status === null ? {} : { 'http.response.status_code': info.status }),
          ...(info.code ? { 'error.type': info.code } : {}),
        },
      });
      if (info.code) span.setStatus({ code: SpanStatusCode.ERROR, message: info.code });
      span.end();
    },
  };
}
