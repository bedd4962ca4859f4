import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Attributes,
  type AttributeValue,
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracingProblem } from '../../src/observability/tracing.ts';
import { type Stack, startStack } from '../support/stack.ts';

/** Just enough of an OpenTelemetry SDK to see which spans the app starts; the API itself is real. */
class RecordedSpan implements Span {
  readonly attributes: Attributes;
  status: SpanStatus | null = null;
  ended = false;
  constructor(
    readonly name: string,
    readonly options: SpanOptions,
    readonly parent: Span | undefined,
  ) {
    this.attributes = { ...options.attributes };
  }
  spanContext() {
    return { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
  }
  setAttribute(key: string, value: AttributeValue) {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes) {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent() {
    return this;
  }
  addLink() {
    return this;
  }
  addLinks() {
    return this;
  }
  setStatus(status: SpanStatus) {
    this.status = status;
    return this;
  }
  updateName() {
    return this;
  }
  end() {
    this.ended = true;
  }
  isRecording() {
    return true;
  }
  recordException() {}
}

/** What an SDK's AsyncLocalStorage context manager does: the active span follows async work. */
const storage = new AsyncLocalStorage<Context>();
const contextManager: ContextManager = {
  active: () => storage.getStore() ?? ROOT_CONTEXT,
  with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
  bind: (_ctx, target) => target,
  enable() {
    return this;
  },
  disable() {
    return this;
  },
};

const spans: RecordedSpan[] = [];
const tracer: Tracer = {
  startSpan(name: string, options: SpanOptions = {}, parentContext?: Context) {
    const span = new RecordedSpan(name, options, trace.getSpan(parentContext ?? context.active()));
    spans.push(span);
    return span;
  },
  startActiveSpan() {
    throw new Error('the app does not use startActiveSpan');
  },
};

describe('tracing', () => {
  it('reports that spans go nowhere while no SDK is registered', () => {
    expect(tracingProblem()).toContain('no OpenTelemetry SDK is registered');
  });

  describe('with an SDK registered and TRACING=true', () => {
    let stack: Stack;
    beforeAll(async () => {
      trace.setGlobalTracerProvider({ getTracer: () => tracer });
      context.setGlobalContextManager(contextManager);
      stack = await startStack({ env: { TRACING: 'true' } });
    });
    afterAll(async () => {
      await stack.close();
      trace.disable();
      context.disable();
    });

    it('has no problem to report', () => {
      expect(tracingProblem()).toBeNull();
    });

    it('makes a span per operation and a client span per upstream call, with no token, variables or query text', async () => {
      spans.length = 0;
      const { status } = await stack.gql('query FirstInvoice($n: Int) { invoices(first: $n) { nodes { id } } }', {
        n: 1,
      });
      expect(status).toBe(200);
      const operation = spans.find((s) => s.name === 'query FirstInvoice');
      expect(operation?.ended).toBe(true);
      expect(operation?.attributes).toEqual({
        'graphql.operation.type': 'query',
        'graphql.operation.name': 'FirstInvoice',
      });
      const upstream = spans.find((s) => s.name === 'GET invoices');
      expect(upstream?.options.kind).toBe(SpanKind.CLIENT);
      expect(upstream?.attributes['http.response.status_code']).toBe(200);
      expect(upstream?.ended).toBe(true);
      expect(upstream?.parent).toBe(operation);
      expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(stack.orgA.token);
    });

    it('marks an operation whose upstream failed as an error', async () => {
      spans.length = 0;
      stack.sandbox.faults.add({ kind: 'status', status: 404, endpoint: 'invoices', times: 1 });
      await stack.gql('query Missing { invoices(first: 1) { nodes { id } } }');
      expect(spans.find((s) => s.name === 'query Missing')?.status?.code).toBe(SpanStatusCode.ERROR);
      expect(spans.find((s) => s.name === 'GET invoices')?.attributes['error.type']).toBeDefined();
    });
  });
});
