import { createServer } from 'node:http';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startSandbox } from './sandbox/index.ts';

/** Process entry: config from the environment, the embedded sandbox when no upstream is set, listen, shut down. */
async function main(): Promise<void> {
  const config = readConfigOrExit();
  const sandbox = config.partnerApiUrl ? null : await startSandbox({ port: 0 });
  const effective: Config = { ...config, partnerApiUrl: config.partnerApiUrl ?? sandbox?.url ?? null };
  const demoToken = sandbox ? Object.values(sandbox.tokens)[0] : undefined;
  const app = createApp(effective, { ...(demoToken ? { demoToken } : {}), warn: (m) => console.warn(`warning: ${m}`) });
  const server = createServer(app.handle);
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.log(`Partner Graph listening on http://localhost:${port}/graphql (GraphiQL in a browser)`);
    if (sandbox) {
      console.log(`No PARTNER_API_URL set: fronting the embedded sandbox partner API at ${sandbox.url}`);
      for (const [organisation, token] of Object.entries(sandbox.tokens)) console.log(`  demo token for ${organisation}: ${token}`);
    } else {
      console.log(`Fronting the partner API at ${effective.partnerApiUrl}`);
    }
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests, then stopping`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close(async () => {
      await app.close();
      await sandbox?.close();
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function readConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

await main();
