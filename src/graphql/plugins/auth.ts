import { type DocumentNode, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../../schema/context.ts';
import { operationRootFields } from './root-fields.ts';

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
  const roots = operationRootFields(document, operationName);
  if (!roots) return true;
  return roots.complete && roots.fields.every((field) => field.name.value.startsWith('__'));
}
