import type { DocumentNode, ExecutionArgs, ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../../observability/metrics.ts';
import { compilePlan, type OperationPlan } from '../plan/compile.ts';
import { runPlan } from '../plan/run.ts';

type Execute = (args: ExecutionArgs) => unknown;

/** Plans kept per document (one per operation name asked for): a document of many operations keeps the first few. */
const PLANS_PER_DOCUMENT = 16;

/**
 * Answers an operation from its compiled plan (src/graphql/plan/) where the document has one, and
 * by full execution where it has none or the plan gave up. It only chooses the execute function:
 * every other plugin's hooks run as for any operation. Second in the list, so tracing wraps the plan too.
 */
export function usePlannedExecution(metrics: Metrics): Plugin {
  // Plans by document (parsed documents are cached, so the same text is the same object) and operation name.
  const plans = new WeakMap<DocumentNode, Map<string, OperationPlan | null>>();
  const planOf = ({ schema, document, operationName }: ExecutionArgs): OperationPlan | null => {
    let byName = plans.get(document);
    if (!byName) {
      byName = new Map();
      plans.set(document, byName);
    }
    const name = operationName ?? '';
    let plan = byName.get(name);
    if (plan === undefined) {
      plan = compilePlan(schema, document, operationName);
      if (byName.size < PLANS_PER_DOCUMENT) byName.set(name, plan);
    }
    return plan;
  };
  const planned = (plan: OperationPlan, fullExecution: Execute) => async (args: ExecutionArgs) => {
    const answer = await runPlan(plan, args);
    metrics.graphqlExecutor(answer ? 'plan' : 'fallback');
    return answer ?? (fullExecution(args) as Promise<ExecutionResult>);
  };
  const full = (fullExecution: Execute) => (args: ExecutionArgs) => {
    metrics.graphqlExecutor('full');
    return fullExecution(args);
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const plan = planOf(args);
      setExecuteFn((plan ? planned(plan, executeFn) : full(executeFn)) as typeof executeFn);
    },
  };
}
