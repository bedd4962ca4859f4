import {
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getArgumentValues,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { upstreamPageSize } from '../../pagination/connection.ts';
import type { UpstreamPagingExtension } from '../../schema/paging-args.ts';
import { operationRootFields } from './root-fields.ts';
import { selectsFieldWithExtension } from './selected-extensions.ts';

export interface UpstreamBudget {
  /** Upstream calls one operation may make. */
  budget: number;
  defaultFirst: number;
  /** The customer-lookup allowance: what an operation selecting a customer lookup may add. */
  customerLookupCalls: number;
}

/**
 * Refuses, before execution, an operation that would make more upstream calls than the budget.
 * Counts the way the pager calls: ceil(first / page size) pages per distinct connection request
 * (identical ones are fetched once), plus the look-ahead page, plus one where `after` may
 * straddle an upstream page; and the whole customer-lookup allowance when any customer lookup is selected.
 */
export function useUpstreamBudget({ budget, defaultFirst, customerLookupCalls }: UpstreamBudget): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const { schema, document, operationName } = args;
      const lookups = selectsFieldWithExtension(schema, document, operationName, 'customerLookup')
        ? customerLookupCalls
        : 0;
      const estimate =
        estimateUpstreamCalls(schema, document, operationName, args.variableValues ?? {}, defaultFirst) + lookups;
      if (estimate <= budget) return;
      const ofWhich = lookups > 0 ? ` (${lookups} of them to look customers up)` : '';
      setResultAndStopExecution({
        errors: [
          new GraphQLError(
            `This operation needs about ${estimate} upstream calls${ofWhich}; the limit is ${budget} per operation. Ask for fewer nodes (first) or fewer distinct connections.`,
            { extensions: { code: 'BAD_USER_INPUT', limit: 'upstreamCalls', estimate, budget } },
          ),
        ],
      });
    },
  };
}

export function estimateUpstreamCalls(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  defaultFirst: number,
): number {
  const rootFields = schema.getQueryType()?.getFields() ?? {};
  const requests = new Map<string, number>();
  for (const node of operationRootFields(document, operationName)?.fields ?? []) {
    const field = rootFields[node.name.value];
    const paging = field?.extensions['upstreamPaging'] as UpstreamPagingExtension | undefined;
    if (!field || !paging) continue;
    const args = argumentValues(field, node, variables);
    if (args) requests.set(`${node.name.value}:${JSON.stringify(args)}`, callsFor(paging, args, defaultFirst));
  }
  let total = 0;
  for (const calls of requests.values()) total += calls;
  return total;
}

function callsFor(paging: UpstreamPagingExtension, args: Record<string, unknown>, defaultFirst: number): number {
  const first = typeof args['first'] === 'number' ? args['first'] : defaultFirst;
  const pages = Math.max(1, Math.ceil(first / upstreamPageSize(first, paging.exactness)));
  const straddle = args['after'] ? 1 : 0;
  return pages + (paging.exactness === 'lookahead' ? 1 : straddle);
}

function argumentValues(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
): Record<string, unknown> | null {
  try {
    return getArgumentValues(field, node, variables);
  } catch {
    return null; // invalid arguments fail validation or the resolver's checks, with no upstream call
  }
}
