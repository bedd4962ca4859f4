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
  [/token limit of/i, 'tokens'],
];

/**
 * Armor's refusals carry no code, and some are thrown from inside validation rather than returned:
 * give each the stable code every refusal of input has, and a message that names the limit.
 */
function useLimitErrorCodes(): Plugin {
  return {
    // The token limit is enforced by the parser, so its refusal is a parse error.
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof Error && limitOf(result)) replaceParseResult(withLimitCode(result));
      };
    },
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((...args) => {
        try {
          return validateFn(...args).map(withLimitCode);
        } catch (error) {
          if (error instanceof Error && limitOf(error)) return [withLimitCode(error)];
          throw error;
        }
      });
    },
  };
}

function limitOf(error: Error): string | undefined {
  return LIMIT_MESSAGES.find(([pattern]) => pattern.test(error.message))?.[1];
}

/** Armor may load another copy of graphql-js than ours: its errors are read by shape, not by class. */
function withLimitCode<E extends Error>(error: E): E | GraphQLError {
  const limit = limitOf(error);
  const { nodes, source, positions, extensions } = error as Partial<GraphQLError>;
  const code = extensions?.['code'];
  if (!limit || (code !== undefined && code !== 'GRAPHQL_PARSE_FAILED')) return error;
  // graphql-js words any error raised while reading a document as a syntax error; a limit is none.
  return new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
    nodes: nodes ?? null,
    source: source ?? null,
    positions: positions ?? null,
    extensions: { ...extensions, code: 'BAD_USER_INPUT', limit },
  });
}
