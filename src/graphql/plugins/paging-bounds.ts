import { type DocumentNode, GraphQLError, Kind, type ValueNode, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { firstProblem } from '../../pagination/pager.ts';

/**
 * Refuses a `first` out of range before anything estimates the operation's cost or upstream calls,
 * so `first: 5000` gets the paging error, not a cost or budget refusal. Literals are checked with
 * validation (whose result is cached per document), variables before execution, where each
 * request's own values are known.
 */
export function usePagingBounds(maxFirst: number): Plugin {
  const refusal = (document: DocumentNode, variables: Record<string, unknown> | null | undefined) => {
    const problem = firstValues(document, variables ?? null)
      .map((first) => firstProblem(first, maxFirst))
      .find((p) => p !== null);
    return problem ? new GraphQLError(problem, { extensions: { code: 'BAD_USER_INPUT' } }) : null;
  };
  return {
    onValidate({ params, setResult }) {
      const error = refusal(params.documentAST, null);
      if (error) setResult([error]);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = refusal(args.document, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

/**
 * Each document's `first` arguments, in document order, found once: documents are immutable and
 * the parse caches hand the same object to every request of the same text, so only reading the
 * variables is left per request.
 */
const firstArguments = new WeakMap<DocumentNode, readonly ValueNode[]>();

function firstArgumentsOf(document: DocumentNode): readonly ValueNode[] {
  let found = firstArguments.get(document);
  if (!found) {
    const nodes: ValueNode[] = [];
    visit(document, {
      Argument(node) {
        if (node.name.value === 'first') nodes.push(node.value);
      },
    });
    found = nodes;
    firstArguments.set(document, found);
  }
  return found;
}

/** Every value a `first` argument takes in the document: literals as written, variables as sent (when given). */
function firstValues(document: DocumentNode, variables: Record<string, unknown> | null): unknown[] {
  const values: unknown[] = [];
  for (const node of firstArgumentsOf(document)) {
    const value = argumentValue(node, variables);
    if (value !== undefined && value !== null) values.push(value);
  }
  return values;
}

function argumentValue(node: ValueNode, variables: Record<string, unknown> | null): unknown {
  if (node.kind === Kind.VARIABLE) return variables?.[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.NULL) return null;
  return undefined; // another kind is a type error that validation words
}
