import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry, type Registry } from 'prom-client';

// Cluster mode (WORKERS=n|auto): the primary forks n copies of this process that share the port
// (Node's cluster module hands connections out round-robin) and does nothing else but keep them
// running, stop them on a signal, and sum their metrics. Everything a worker keeps in memory —
// rate-limit buckets, kept pages, download tickets without Redis, breaker state — is its own.

export function workerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

export interface PrimaryOptions {
  workers: number;
  /** Extra environment for every worker (e.g. the sandbox URL and a shared cursor secret). */
  env: Record<string, string>;
  /** A worker gets this long after SIGTERM, plus a little, before it is killed. */
  graceMs: number;
  log: (message: string) => void;
  /** Told the port once the first worker listens. */
  onListening: (port: number) => void;
  /** Frees what the primary holds (e.g. the embedded sandbox) after the last worker exited. */
  close: () => Promise<void>;
  exit: (code: number) => void;
}

const METRICS_REQUEST = 'partner-graph:metrics-request';
const METRICS_ANSWER = 'partner-graph:metrics-answer';
/** A worker dying more often than this in a minute is a crash loop: stop rather than spin. */
const MAX_RESTARTS_PER_MINUTE = 10;
const KILL_MARGIN_MS = 2_000;

export function runPrimary(options: PrimaryOptions): void {
  const aggregator = new AggregatorRegistry();
  const restarts: number[] = [];
  // Our own count: Node removes a worker from cluster.workers only once it has both exited and disconnected.
  const live = new Map<number, Worker>();
  let stopping = false;
  let failed = false;
  let announced = false;

  const fork = () => {
    const worker = cluster.fork(options.env);
    live.set(worker.id, worker);
  };

  cluster.on('listening', (_worker, address) => {
    if (announced) return;
    announced = true;
    options.onListening(address.port);
  });

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage(message, METRICS_REQUEST)) return;
    const answer = (body: { text: string } | { error: string }) => {
      if (worker.isConnected()) worker.send({ type: METRICS_ANSWER, id: message.id, ...body });
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (error: unknown) => answer({ error: error instanceof Error ? error.message : 'failed' }),
    );
  });

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker.id);
    if (stopping) {
      if (code !== 0) failed = true;
      if (live.size === 0) void finish();
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] ?? now) < now - 60_000) restarts.shift();
    if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
      options.log(`workers keep dying (${restarts.length} in a minute): stopping`);
      stop('crash loop');
      return;
    }
    options.log(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}): starting another`);
    fork();
  });

  const finish = async () => {
    await options.close().catch(() => undefined);
    options.exit(failed ? 1 : 0);
  };

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    options.log(`${reason}: stopping ${live.size} workers`);
    if (live.size === 0) return void finish();
    for (const worker of live.values()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      failed = true;
      for (const worker of live.values()) worker.process.kill('SIGKILL');
    }, options.graceMs + KILL_MARGIN_MS).unref();
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < options.workers; i++) fork();
}

/**
 * In a worker: lets the primary read `registry`, and returns a reader of the sum over all
 * workers, so a scrape of /metrics on the shared port sees the whole instance whichever worker
 * answers it. Falls back to this worker's own series if the primary does not answer.
 */
export function clusterMetricsReader(registry: Registry, timeoutMs = 5_000): () => Promise<string> {
  new AggregatorRegistry(); // installs prom-client's worker-side listener
  AggregatorRegistry.setRegistries([registry]);
  return () =>
    new Promise((resolve) => {
      const id = randomUUID();
      const done = (text: string | null) => {
        clearTimeout(timer);
        process.off('message', onMessage);
        if (text === null) registry.metrics().then(resolve, () => resolve(''));
        else resolve(text);
      };
      const onMessage = (message: unknown) => {
        if (isMessage(message, METRICS_ANSWER) && message.id === id)
          done(typeof message.text === 'string' ? message.text : null);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      process.on('message', onMessage);
      process.send?.({ type: METRICS_REQUEST, id });
    });
}

function isMessage(value: unknown, type: string): value is { type: string; id: string; text?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    value.type === type &&
    'id' in value &&
    typeof value.id === 'string'
  );
}
