import { context, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ResilienceEvents } from '../partner/resilience/resilient-http.ts';

// Spans go through @opentelemetry/api only: without a registered SDK every call is a no-op. The
// SDK (exporter, sampler, resource) is the operator's choice, loaded before the app with
// `node --import @opentelemetry/auto-instrumentations-node/register`, which reads the standard
// OTEL_* variables; this module never loads it, so a deployment without tracing carries none of it.
const TRACER_NAME = 'partner-graph';

function tracer(): Tracer {
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
 * A span per GraphQL operation, named as the OpenTelemetry GraphQL conventions say
 * (`query InvoicesPage`); upstream calls made while it runs become its children. No variables,
 * no document text, no headers.
 */
export function useOperationTracing(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? 'query';
      const name = operation?.name?.value;
      const span = tracer().startSpan(name ? `${type} ${name}` : type, {
        kind: SpanKind.INTERNAL,
        attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) },
      });
      const active = trace.setSpan(context.active(), span);
      setExecuteFn((executeArgs) => context.with(active, () => executeFn(executeArgs)));
      const finish = (result: ExecutionResult | null) => {
        const errors = result?.errors ?? [];
        if (errors.length) {
          span.setAttribute('graphql.error.count', errors.length);
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(errors[0]?.extensions?.['code'] ?? 'ERROR') });
        }
        span.end();
      };
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return { onEnd: () => finish(null) };
          finish(result);
          return undefined;
        },
      };
    },
  };
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
