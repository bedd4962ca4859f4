import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import type { Metrics } from '../../observability/metrics.ts';
import { maskError } from '../../schema/errors.ts';
import { hasData } from '../plan/result.ts';
import type { ServerContext } from '../server-context.ts';

interface Operation {
  startedAt: number;
  name: string | null;
  codes: string[];
  hasData: boolean;
}

/** A context without a record is a probe of a document (src/graphql/direct.ts), not an operation. */
type ReportContext = Partial<ServerContext & YogaInitialContext>;

/**
 * One report per GraphQL operation (each operation of a batch is one), whether parsing, validation
 * or execution ended it: its name and error codes go to the request's log line, its outcome and
 * duration to the metrics. First in the plugin list, so it also sees operations a later plugin stops.
 */
export interface OperationReportPlugins {
  /** First in the list: parse and execution. */
  first: Plugin<ReportContext>;
  /** After the operation limits, which code their parse and validation errors. */
  afterLimits: Plugin<ReportContext>;
}

export function useOperationReport(metrics: Metrics): OperationReportPlugins {
  const operations = new WeakMap<object, Operation>();
  const operationOf = (context: ReportContext): Operation | undefined => {
    if (!context.record) return undefined;
    let operation = operations.get(context);
    if (!operation) {
      operation = {
        startedAt: performance.now(),
        name: context.params?.operationName ?? null,
        codes: [],
        hasData: false,
      };
      operations.set(context, operation);
    }
    return operation;
  };
  const finish = (context: ReportContext, operation: Operation) => {
    operations.delete(context);
    context.record?.operation(operation.name);
    for (const code of operation.codes) context.record?.code(code);

    const seconds = (performance.now() - operation.startedAt) / 1000;
    metrics.observeOperation({ name: operation.name, codes: operation.codes, hasData: operation.hasData, seconds });
  };
  const add = (operation: Operation, errors: readonly Error[] | undefined, fallbackCode: string) => {
    for (const error of errors ?? []) operation.codes.push(codeOf(error, fallbackCode));
  };

  const first: Plugin<ReportContext> = {
    onParse({ context }) {
      operationOf(context); // the clock starts
    },
    onExecute({ args }) {
      const context = args.contextValue as ReportContext;
      const operation = operationOf(context);
      if (!operation) return undefined;
      // The document's own name wins: `operationName` is optional for a one-operation document.
      operation.name = getOperationAST(args.document, args.operationName)?.name?.value ?? operation.name;
      const observe = (result: ExecutionResult) => {
        add(operation, result.errors, 'OTHER');
        operation.hasData ||= hasData(result);
      };
      return {
        onExecuteDone({ result }) {
          if (!(Symbol.asyncIterator in result)) {
            observe(result);
            return finish(context, operation);
          }
          return { onNext: ({ result: payload }) => observe(payload), onEnd: () => finish(context, operation) };
        },
      };
    },
  };
  const afterLimits: Plugin<ReportContext> = {
    onParse({ context }) {
      const operation = operationOf(context);
      if (!operation) return undefined;
      return ({ result }) => {
        if (!(result instanceof Error)) return;
        add(operation, [result], 'GRAPHQL_PARSE_FAILED');
        finish(context, operation);
      };
    },
    onValidate({ context }) {
      const operation = operationOf(context);
      if (!operation) return undefined;
      return ({ valid, result }) => {
        if (valid) return;
        add(operation, result, 'GRAPHQL_VALIDATION_FAILED');
        finish(context, operation);
      };
    },
  };
  return { first, afterLimits };
}

/** The code the caller will see: masking runs after this plugin, with the same rules. */
function codeOf(error: Error, fallback: string): string {
  const code = maskError(error, '').extensions['code'];
  return typeof code === 'string' ? code : fallback;
}
