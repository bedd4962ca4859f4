import { readFileSync } from 'node:fs';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { Config } from '../../config/index.ts';
import { useCallerCredentials } from './auth.ts';
import { useOperationLimits } from './operation-limits.ts';
import { useUpstreamBudget } from './upstream-budget.ts';

/** The manifest `npm run codegen` writes from src/client/operations: `sha256:<hash>` → operation text. */
const MANIFEST_URL = new URL('../../client/generated/persisted-documents.json', import.meta.url);

/** Every Yoga plugin, in the order they must run: refuse cheaply first, then execute. */
export function yogaPlugins(config: Config): Plugin[] {
  const plugins: Plugin[] = [
    useParsedBody(),
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }) as Plugin,
    ...useOperationLimits(config.limits, config.mode === 'production'),
  ];
  if (config.persistedOperations !== 'off') plugins.push(persistedOperations(config.persistedOperations === 'allow'));
  if (!config.browser.introspection) plugins.push(useDisableIntrospection() as Plugin);
  plugins.push(
    useCallerCredentials() as Plugin,
    useUpstreamBudget(config.upstreamCallBudget, config.paging.defaultFirst),
    useDeferStream() as Plugin,
  );
  return plugins;
}

/** Takes the POST body the /graphql route already parsed (and bounded), instead of parsing it again. */
function useParsedBody(): Plugin {
  return {
    onRequestParse({ serverContext, setRequestParser }) {
      const parsed = (serverContext as { parsedBody?: unknown }).parsedBody;
      if (parsed !== undefined) setRequestParser(() => parsed as GraphQLParams | GraphQLParams[]);
    },
  };
}

function persistedOperations(allowArbitrary: boolean): Plugin {
  const manifest = JSON.parse(readFileSync(MANIFEST_URL, 'utf8')) as Record<string, string>;
  return usePersistedOperations({
    allowArbitraryOperations: allowArbitrary,
    getPersistedOperation: (id) => manifest[id] ?? manifest[`sha256:${id}`] ?? null,
    customErrors: {
      persistedQueryOnly: {
        message:
          'Only persisted operations are accepted here: send extensions.persistedQuery.sha256Hash from the manifest.',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
      notFound: {
        message: 'No persisted operation has that hash.',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } },
      },
      keyNotFound: {
        message: 'Send a query, or a persisted operation hash.',
        extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED', http: { status: 400 } },
      },
    },
  }) as Plugin;
}

/** Yoga's CORS option from the allowlist; 'localhost' admits any local development origin. */
export function corsOptions(origins: readonly string[]) {
  return (request: Request) => {
    const origin = request.headers.get('origin');
    const allowed =
      origin !== null &&
      (origins.includes('*') ||
        origins.includes(origin) ||
        (origins.includes('localhost') && /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin)));
    return allowed
      ? {
          origin,
          credentials: false,
          allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'x-graphql-yoga-csrf'],
          methods: ['GET', 'POST'],
        }
      : false;
  };
}
