import { createYoga } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.ts';
import type { Context } from '../schema/context.ts';
import { maskError } from '../schema/errors.ts';
import { schema } from '../schema/index.ts';
import { createContext, type Services } from './context.ts';
import { corsOptions } from './cors.ts';
import { createDirectPath } from './direct.ts';
import { graphqlPlugins } from './plugins/index.ts';
import type { ServerContext, Yoga } from './server-context.ts';

export type { Yoga } from './server-context.ts';

export interface GraphQLCore {
  yoga: Yoga;
  /** Answers one GraphQL request the /graphql route has bounded and admitted. */
  serve(server: ServerContext): Promise<void>;
}

export interface GraphQLCoreOptions {
  services: Services;
  metrics: Metrics;
  /** false: every request goes through Yoga (the tests compare both transports). */
  directPath?: boolean;
  /** false: no compiled operation plans, every operation runs in full (the tests compare both). */
  operationPlans?: boolean;
}

/** The GraphQL core: Yoga over the schema, with the one ordered plugin list, and the direct path beside it. */
export function createGraphQLCore(options: GraphQLCoreOptions): GraphQLCore {
  const { services, metrics } = options;
  const { config } = services;
  const plugins = graphqlPlugins(config, metrics, { operationPlans: options.operationPlans });
  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    context: (server) => createContext(services, server),
    maskedErrors: { maskError, isDev: config.mode === 'development' },
    // Served beside the route, compressed and cached: src/graphql/graphiql.ts.
    graphiql: false,
    batching: { limit: config.limits.maxBatch },
    // The /graphql route bounds and parses the body itself; Yoga's own limit would pipe the
    // already-read body through a TransformStream on every request.
    maxRequestBodySize: false,
    cors: corsOptions(config.browser.corsOrigins),
    // Documents and validations are cached; parse errors are not (a cached one is thrown past
    // every plugin's parse hook, so the operation report would never hear of it).
    parserAndValidationCache: { errorCache: { get: () => undefined, set: () => undefined } },
    plugins: plugins.plugins,
  });
  const direct =
    options.directPath === false
      ? null
      : createDirectPath(yoga, plugins, {
          persistedOperationsRequired: config.persistedOperations === 'require',
          introspection: config.browser.introspection,
        });

  return {
    yoga,
    async serve(server) {
      const taken = direct !== null && (await direct(server));
      if (server.req.method === 'POST') metrics.graphqlTransport(taken ? 'direct' : 'yoga');
      if (!taken) await yoga.handle(server.req, server.res, server);
    },
  };
}
