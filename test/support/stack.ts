import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type App, type AppDeps, createApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createAppServer } from '../../src/http/server.ts';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.ts';

/** The facade on port 0 in front of a sandbox on port 0: what every end-to-end test runs against. */
export interface Stack {
  sandbox: Sandbox;
  app: App;
  /** http://127.0.0.1:PORT — the facade's origin. */
  origin: string;
  graphqlUrl: string;
  /** The first organisation's name and token, and the second's. */
  orgA: { name: string; token: string };
  orgB: { name: string; token: string };
  /** POSTs one GraphQL operation; returns HTTP status and parsed body. */
  gql<T = GraphQLBody>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export async function startStack(
  options: {
    sandbox?: SandboxOptions;
    env?: Record<string, string>;
    configure?: (config: Config) => Config;
    deps?: AppDeps;
  } = {},
): Promise<Stack> {
  const sandbox = await startSandbox({ port: 0, ...options.sandbox });
  // Rate limits off unless a test sets them: page walks send hundreds of operations with one token.
  const base = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    CURSOR_SECRET: 'test-cursor-secret-of-at-least-32-chars',
    RATE_LIMIT_PER_MINUTE: '0',
    ...options.env,
    PARTNER_API_URL: sandbox.url,
  });
  const config = options.configure ? options.configure(base) : base;
  const app = createApp(config, options.deps);
  const server = createAppServer(app.handle, config.limits.maxBodyBytes);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const [a, b] = Object.entries(sandbox.tokens);
  if (!a || !b) throw new Error('the sandbox must have two organisations');
  const orgA = { name: a[0], token: a[1] };
  return {
    sandbox,
    app,
    origin,
    graphqlUrl: `${origin}/graphql`,
    orgA,
    orgB: { name: b[0], token: b[1] },
    async gql(query, variables, headers) {
      const res = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${orgA.token}`, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      await closeServer(server);
      await app.close();
      await sandbox.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
