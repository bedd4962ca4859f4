import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { Config } from '../../config/index.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { useCallerCredentials } from './auth.ts';
import { useOperationLimits } from './operation-limits.ts';
import { useOperationReport } from './operation-report.ts';
import { usePagingBounds } from './paging-bounds.ts';
import { usePersistedManifest } from './persisted.ts';
import { usePlannedExecution } from './planned-execution.ts';
import { useOperationTracing } from './tracing.ts';
import { useUpstreamBudget } from './upstream-budget.ts';

/**
 * Every GraphQL plugin, in the order they run: report first (it must see operations the others
 * stop), then what refuses cheaply, then what runs the operation. `directPathMaySkip` names the
 * ones with Yoga-level hooks that src/graphql/direct.ts knows it need not run, and why.
 */
export interface GraphQLPlugins {
  plugins: Plugin[];
  directPathMaySkip: ReadonlyMap<Plugin, string>;
}

export interface GraphQLPluginOptions {
  /** false: every operation runs in full (the tests compare both executors). */
  operationPlans?: boolean;
}

export function graphqlPlugins(config: Config, metrics: Metrics, options: GraphQLPluginOptions = {}): GraphQLPlugins {
  const skip = new Map<Plugin, string>();
  const skippable = (plugin: Plugin, why: string) => {
    skip.set(plugin, why);
    return plugin;
  };
  const report = useOperationReport(metrics);
  const plugins: Plugin[] = [
    report.first as Plugin,
    ...(options.operationPlans === false ? [] : [usePlannedExecution(metrics)]),
    ...(config.operations.tracing ? [useOperationTracing()] : []),
    skippable(useParsedBody(), 'the direct path takes the parsed body itself'),
    usePagingBounds(config.paging.maxFirst) as Plugin,
    ...useOperationLimits(config.limits, config.mode === 'production'),
    report.afterLimits as Plugin,
  ];
  if (config.persistedOperations !== 'off') {
    const why = 'the direct path takes no persisted query and none under PERSISTED_OPERATIONS=require';
    plugins.push(skippable(usePersistedManifest(config.persistedOperations === 'allow'), why));
  }
  if (!config.browser.introspection) {
    const why = 'the direct path hands every document that asks for __schema or __type to Yoga';
    plugins.push(skippable(useDisableIntrospection() as Plugin, why));
  }
  plugins.push(
    useCallerCredentials() as Plugin,
    useUpstreamBudget({
      budget: config.upstreamCallBudget,
      defaultFirst: config.paging.defaultFirst,
      customerLookupCalls: config.customerDirectory.lookupCalls,
    }),
    skippable(useDeferStream() as Plugin, 'the direct path hands @defer and @stream to Yoga'),
  );
  return { plugins, directPathMaySkip: skip };
}

/** Takes the POST body the /graphql route already parsed (and bounded), instead of parsing it again. */
function useParsedBody(): Plugin {
  return {
    onRequestParse({ serverContext, setRequestParser }) {
      const parsed = 'parsedBody' in serverContext ? serverContext.parsedBody : undefined;
      if (parsed !== undefined) setRequestParser(() => parsed as GraphQLParams | GraphQLParams[]);
    },
  };
}
