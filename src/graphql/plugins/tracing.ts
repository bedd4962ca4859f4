import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { tracer } from '../../observability/tracing.ts';

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
