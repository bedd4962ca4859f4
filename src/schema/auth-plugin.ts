import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';

/**
 * Refuses, before execution and so before any upstream call, an operation that needs the partner
 * API but carries no usable credentials: UNAUTHENTICATED with HTTP 401. Introspection alone needs none,
 * so GraphiQL's docs work before a token is pasted.
 */
export function useCallerCredentials(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue;
      if (ctx.caller || introspectionOnly(args.document, args.operationName)) return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(ctx.credentialProblem ?? 'Unauthenticated.', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
          }),
        ],
      });
    },
  };
}

function introspectionOnly(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return true;
  return rootFieldNames(document, operation.selectionSet, 0).every((name) => name.startsWith('__'));
}

function rootFieldNames(document: DocumentNode, selectionSet: SelectionSetNode, depth: number): string[] {
  if (depth > 10) return ['(too deep)'];
  return selectionSet.selections.flatMap((s) => {
    if (s.kind === Kind.FIELD) return [s.name.value];
    if (s.kind === Kind.INLINE_FRAGMENT) return rootFieldNames(document, s.selectionSet, depth + 1);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
    return fragment && fragment.kind === Kind.FRAGMENT_DEFINITION ? rootFieldNames(document, fragment.selectionSet, depth + 1) : ['(unknown)'];
  });
}
