import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestLimits } from '../../config/index.ts';

/**
 * GraphQL Armor's operation limits. The token limit is applied while parsing, so no input
 * (20,000 nested braces, say) can overflow the parser. Each error names its limit.
 */
export function useOperationLimits(limits: RequestLimits, production: boolean): Plugin[] {
  const armor = EnvelopArmorPlugin({
    maxTokens: { n: limits.maxTokens },
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: production },
  }) as Plugin;
  return [armor, useLimitErrorCodes()];
}

/** Armor's messages, and the name `extensions.limit` gives each (its variable is MAX_<NAME>). */
const LIMIT_MESSAGES: [RegExp, string][] = [
  [/depth limit of/i, 'depth'],
  [/aliases limit of/i, 'aliases'],
  [/directives limit of/i, 'directives'],
  [/cost limit of/i, 'cost'],
];

/** Armor's validation errors carry no code; give them the stable one every refusal of input has. */
function useLimitErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length || 'data' in result) return;
      setResult({ ...result, errors: result.errors.map(withLimitCode) });
    },
  };
}

function withLimitCode<E extends Error>(error: E): E | GraphQLError {
  const limit = LIMIT_MESSAGES.find(([pattern]) => pattern.test(error.message))?.[1];
  if (!limit || !(error instanceof GraphQLError) || error.extensions['code']) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', limit },
  });
}
