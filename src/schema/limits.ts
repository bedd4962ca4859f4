import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';
import type { RequestLimits } from '../config.ts';

/**
 * GraphQL Armor's operation limits. The token limit is applied while parsing, so no input
 * (20,000 nested braces, say) can overflow the parser. Each error names its limit.
 */
export function useOperationLimits(limits: RequestLimits, production: boolean): Plugin {
  return EnvelopArmorPlugin({
    maxTokens: { n: limits.maxTokens },
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: production },
  }) as Plugin;
}
