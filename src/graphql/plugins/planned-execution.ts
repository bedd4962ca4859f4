import type { ExecutionArgs, ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../../observability/metrics.ts';
import { perOperation } from '../per-operation.ts';
import { compilePlan, type OperationPlan } from '../plan/compile.ts';
import { runPlan } from '../plan/run.ts';

type Execute = (args: ExecutionArgs) => unknown;

/**
 * Answers an operation from its compiled plan (src/graphql/plan/) where the document has one, and
 * by full execution where it has none or the plan gave up. It only chooses the execute function:
 * every other plugin's hooks run as for any operation. Second in the list, so tracing wraps the plan too.
 */
export function usePlannedExecution(metrics: Metrics): Plugin {
  const planOf = perOperation(compilePlan);
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
      const plan = planOf(args.schema, args.document, args.operationName);
      setExecuteFn((plan ? planned(plan, executeFn) : full(executeFn)) as typeof executeFn);
    },
  };
}
