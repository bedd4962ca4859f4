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
import { argumentsUseVariables, perOperation } from '../per-operation.ts';
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
      const plan = planOf(schema, document, operationName);
      const lookups = plan.selectsLookup ? customerLookupCalls : 0;
      const estimate = estimateOf(plan, args.variableValues ?? {}, defaultFirst) + lookups;
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
  return estimateOf(planOf(schema, document, operationName), variables, defaultFirst);
}

/** What of the estimate depends on the document alone: worked out once per document and operation. */
interface Plan {
  /** Whether the operation selects a customer lookup anywhere. */
  selectsLookup: boolean;
  /** The paged root fields, in document order. */
  paged: PagedField[];
}

interface PagedField {
  name: string;
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
  paging: UpstreamPagingExtension;
  /** Arguments without a variable are the same on every request: read once (null: invalid). */
  fixed: { args: Record<string, unknown> | null; key: string } | undefined;
}

function estimateOf(plan: Plan, variables: Record<string, unknown>, defaultFirst: number): number {
  const requests = new Map<string, number>();
  for (const paged of plan.paged) {
    const fixed = paged.fixed;
    const args = fixed ? fixed.args : argumentValues(paged.field, paged.node, variables);
    if (args)
      requests.set(fixed ? fixed.key : requestKey(paged.name, args), callsFor(paged.paging, args, defaultFirst));
  }
  let total = 0;
  for (const calls of requests.values()) total += calls;
  return total;
}

/** Plans by schema, document and operation name. */
const planOf = perOperation(makePlan);

function makePlan(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): Plan {
  const rootFields = schema.getQueryType()?.getFields() ?? {};
  const paged: PagedField[] = [];
  for (const node of operationRootFields(document, operationName)?.fields ?? []) {
    const field = rootFields[node.name.value];
    const paging = field?.extensions['upstreamPaging'] as UpstreamPagingExtension | undefined;
    if (!field || !paging) continue;
    const name = node.name.value;
    let fixed: PagedField['fixed'];
    if (!argumentsUseVariables(node)) {
      const args = argumentValues(field, node, {});
      fixed = { args, key: args ? requestKey(name, args) : '' };
    }
    paged.push({ name, field, node, paging, fixed });
  }
  return { selectsLookup: selectsFieldWithExtension(schema, document, operationName, 'customerLookup'), paged };
}

function requestKey(name: string, args: Record<string, unknown>): string {
  return `${name}:${JSON.stringify(args)}`;
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
