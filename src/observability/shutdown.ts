import type { Server } from 'node:http';

export interface GracefulShutdownOptions {
  server: Server;
  /** How long in-flight requests may take to finish before their connections are cut. */
  graceMs: number;
  /** Called first, e.g. to turn /ready to 503. */
  onDrain?: () => void;
  /** Frees what the process holds (upstream pools, Redis, the embedded sandbox) once no request is left. */
  close: () => Promise<void>;
  log: (message: string) => void;
  exit: (code: number) => void;
}

/** How often connections that went idle after their last response are closed while draining. */
const IDLE_SWEEP_MS = 100;

/**
 * Stops the way a load balancer expects: no new connections from the first signal on, every
 * request already received is answered (its keep-alive connection then closed), resources are
 * freed, exit 0. Requests still running after `graceMs` are cut and the exit code is 1.
 * A second signal changes nothing: a cluster primary forwards the one a terminal already sent.
 */
export function shutDownOnSignals(
  options: GracefulShutdownOptions,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    options.log(`${signal}: finishing in-flight requests (at most ${options.graceMs} ms), then stopping`);
    drain(options);
  };
  for (const signal of signals) process.on(signal, () => stop(signal));
}

function drain(options: GracefulShutdownOptions): void {
  const { server } = options;
  options.onDrain?.();
  // Responses written from now on tell the client not to reuse the connection.
  server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  let finished = false;
  const finish = async (code: number) => {
    if (finished) return;
    finished = true;
    clearInterval(sweep);
    clearTimeout(deadline);
    await options
      .close()
      .catch((error: unknown) =>
        options.log(`while closing: ${error instanceof Error ? error.message : String(error)}`),
      );
    options.exit(code);
  };
  const deadline = setTimeout(() => {
    options.log(`requests still running after ${options.graceMs} ms: cutting their connections`);
    server.closeAllConnections();
    void finish(1);
  }, options.graceMs);
  server.close(() => void finish(0));
  server.closeIdleConnections();
}
