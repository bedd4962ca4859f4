import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createApp } from './app.ts';
import { clusterMetricsReader, runPrimary, workerCount } from './cluster.ts';
import { type Config, ConfigError, configWarnings, loadConfig, settingsHelp } from './config/index.ts';
import { createAppServer } from './http/server.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { shutDownOnSignals } from './observability/shutdown.ts';
import { tracingProblem } from './observability/tracing.ts';
import type { Sandbox, SandboxOptions } from './sandbox/index.ts';

const USAGE = `Usage: npm start  (development, from source)  |  node dist/main.js  (production, after npm run build)

Partner Graph: a GraphQL server in front of the Limio partner REST API. Configured by environment
variables only (docs/configuration.md); without PARTNER_API_URL it fronts an embedded sandbox.
  --help   print this and exit

Settings:
`;

/** Process entry: config from the environment, the embedded sandbox when no upstream is set, listen, shut down. */
async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}${settingsHelp().join('\n')}\n`);
    return;
  }
  const config = readConfigOrExit();
  const logger = createLogger({ level: config.logLevel, mode: config.mode });
  // The banner, warnings and shutdown lines say whether the process lives: at least `info` whatever LOG_LEVEL says.
  const processLog = logger.child({}, { level: logger.isLevelEnabled('info') ? logger.level : 'info' });
  for (const warning of configWarnings(process.env)) processLog.warn(warning);
  const workers = workerCount(config.operations.workers);
  if (workers > 1 && cluster.isPrimary) return startPrimary(config, workers, processLog);
  const sandbox = config.partnerApiUrl ? null : await startEmbeddedSandbox(config);
  const effective: Config = { ...config, partnerApiUrl: config.partnerApiUrl ?? sandbox?.url ?? null };
  const demoToken = sandbox ? Object.values(sandbox.tokens)[0] : undefined;
  const app = createApp(effective, { logger, ...(demoToken ? { demoToken } : {}) });
  if (cluster.isWorker) app.ops.metrics.renderFrom(clusterMetricsReader(app.ops.metrics.registry));
  const tracingIssue = config.operations.tracing ? tracingProblem() : null;
  if (tracingIssue) processLog.warn(tracingIssue);
  const server = createAppServer(app.handle, config.limits.maxBodyBytes);
  server.listen(config.port, config.host, () => {
    if (cluster.isWorker) return; // the primary announces the shared port once
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    announce(processLog, effective, port, sandbox);
  });
  shutDownOnSignals({
    server,
    graceMs: config.operations.shutdownGraceMs,
    onDrain: () => app.ops.readiness.drain(),
    close: async () => {
      await app.close();
      await sandbox?.close();
    },
    log: (message) => processLog.info(message),
    exit: (code) => {
      logger.flush();
      process.exit(code);
    },
  });
}

/** WORKERS > 1: this process only runs the embedded sandbox (if any) and the workers; see src/cluster.ts. */
async function startPrimary(config: Config, workers: number, logger: Logger): Promise<void> {
  const sandbox = config.partnerApiUrl ? null : await startEmbeddedSandbox(config);
  if (!config.serverSecret) {
    logger.warn('SERVER_SECRET is not set: the workers share a random one that is gone when this process ends.');
  }
  runPrimary({
    workers,
    env: {
      ...(sandbox ? { PARTNER_API_URL: sandbox.url } : {}),
      // Every worker must derive the same keys, or a cursor or link fails on another worker.
      ...(config.serverSecret ? {} : { SERVER_SECRET: randomBytes(32).toString('base64url') }),
    },
    graceMs: config.operations.shutdownGraceMs,
    log: (message) => logger.info(message),
    onListening: (port) =>
      announce(
        logger,
        { ...config, partnerApiUrl: config.partnerApiUrl ?? sandbox?.url ?? null },
        port,
        sandbox,
        workers,
      ),
    close: async () => {
      await sandbox?.close();
    },
    exit: (code) => {
      logger.flush();
      process.exit(code);
    },
  });
}

/** Loaded only when it is used: a process fronting a real partner API never carries the sandbox. */
async function startEmbeddedSandbox(config: Config): Promise<Sandbox> {
  const { startSandbox } = await import('./sandbox/index.ts');
  const latency = config.sandboxLatencyMs;
  const options: SandboxOptions = { port: 0, ...(latency > 0 ? { faults: [{ kind: 'latency', ms: latency }] } : {}) };
  return startSandbox(options);
}

function announce(logger: Logger, config: Config, port: number, sandbox: Sandbox | null, workers = 1): void {
  const processes = workers > 1 ? `, ${workers} worker processes` : '';
  const graphiql = config.browser.graphiql ? ' (GraphiQL in a browser)' : '';
  logger.info(`Partner Graph listening on http://localhost:${port}/graphql${graphiql}${processes}`);
  if (!sandbox) return void logger.info(`Fronting the partner API at ${config.partnerApiUrl}`);
  logger.info(`No PARTNER_API_URL set: fronting the embedded sandbox partner API at ${sandbox.url}`);
  for (const [organisation, token] of Object.entries(sandbox.tokens)) {
    logger.info(`  demo token for ${organisation}: ${token}`);
  }
}

function readConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

await main();
