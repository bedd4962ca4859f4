import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createApp, createAppServer } from './app.ts';
import { clusterMetricsReader, runPrimary, workerCount } from './cluster.ts';
import { type Config, ConfigError, loadConfig } from './config/index.ts';
import { shutDownOnSignals } from './observability/shutdown.ts';
import { tracingProblem } from './observability/tracing.ts';
import type { Sandbox, SandboxOptions } from './sandbox/index.ts';

/** Process entry: config from the environment, the embedded sandbox when no upstream is set, listen, shut down. */
async function main(): Promise<void> {
  const config = readConfigOrExit();
  const workers = workerCount(config.operations.workers);
  if (workers > 1 && cluster.isPrimary) return startPrimary(config, workers);
  const sandbox = config.partnerApiUrl ? null : await startEmbeddedSandbox(config);
  const effective: Config = { ...config, partnerApiUrl: config.partnerApiUrl ?? sandbox?.url ?? null };
  const demoToken = sandbox ? Object.values(sandbox.tokens)[0] : undefined;
  const app = createApp(effective, { ...(demoToken ? { demoToken } : {}), warn: (m) => console.warn(`warning: ${m}`) });
  if (cluster.isWorker) app.ops.metrics.renderFrom(clusterMetricsReader(app.ops.metrics.registry));
  const tracingIssue = config.operations.tracing ? tracingProblem() : null;
  if (tracingIssue) console.warn(`warning: ${tracingIssue}`);
  const server = createAppServer(app);
  server.listen(config.port, config.host, () => {
    if (cluster.isWorker) return; // the primary announces the shared port once
    const address = server.address();
    announce(typeof address === 'object' && address ? address.port : config.port, effective.partnerApiUrl, sandbox);
  });
  shutDownOnSignals({
    server,
    graceMs: config.operations.shutdownGraceMs,
    onDrain: () => app.ops.readiness.drain(),
    close: async () => {
      await app.close();
      await sandbox?.close();
    },
    log: (message) => console.log(message),
    exit: (code) => process.exit(code),
  });
}

/** WORKERS > 1: this process only runs the embedded sandbox (if any) and the workers; see src/cluster.ts. */
async function startPrimary(config: Config, workers: number): Promise<void> {
  const sandbox = config.partnerApiUrl ? null : await startEmbeddedSandbox(config);
  if (!config.cursorSecret)
    console.warn(
      'warning: CURSOR_SECRET is not set: the workers share a random one that is gone when this process ends.',
    );
  runPrimary({
    workers,
    env: {
      ...(sandbox ? { PARTNER_API_URL: sandbox.url } : {}),
      // Every worker must sign and check cursors with the same key, or a cursor fails on another worker.
      ...(config.cursorSecret ? {} : { CURSOR_SECRET: randomBytes(32).toString('base64url') }),
    },
    graceMs: config.operations.shutdownGraceMs,
    log: (message) => console.log(message),
    onListening: (port) => announce(port, config.partnerApiUrl ?? sandbox?.url ?? null, sandbox, workers),
    close: async () => {
      await sandbox?.close();
    },
    exit: (code) => process.exit(code),
  });
}

/** Loaded only when it is used: a process fronting a real partner API never carries the sandbox. */
async function startEmbeddedSandbox(config: Config): Promise<Sandbox> {
  const { startSandbox } = await import('./sandbox/index.ts');
  const options: SandboxOptions = {
    port: 0,
    ...(config.sandboxLatencyMs > 0 ? { faults: [{ kind: 'latency', ms: config.sandboxLatencyMs }] } : {}),
  };
  return startSandbox(options);
}

function announce(port: number, partnerApiUrl: string | null, sandbox: Sandbox | null, workers = 1): void {
  const processes = workers > 1 ? `, ${workers} worker processes` : '';
  console.log(`Partner Graph listening on http://localhost:${port}/graphql (GraphiQL in a browser${processes})`);
  if (sandbox) {
    console.log(`No PARTNER_API_URL set: fronting the embedded sandbox partner API at ${sandbox.url}`);
    for (const [organisation, token] of Object.entries(sandbox.tokens))
      console.log(`  demo token for ${organisation}: ${token}`);
  } else {
    console.log(`Fronting the partner API at ${partnerApiUrl}`);
  }
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
