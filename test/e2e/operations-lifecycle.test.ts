import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The real process entry (`node --import tsx src/main.ts`) on a free port in front of its embedded
// sandbox: what `npm start` runs, signals and all.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const QUERY = JSON.stringify({ query: '{ customers(first: 1) { nodes { id } } }' });

interface Facade {
  child: ChildProcess;
  port: number;
  token: string;
  output: () => string;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function startFacade(env: Record<string, string>): Promise<Facade> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the facade did not start:\n${output}`)), STARTUP_MS);
    const look = () => {
      const port = /listening on http:\/\/localhost:(\d+)\//.exec(output)?.[1];
      const token = /demo token for [\w-]+: ([\w.-]+)/.exec(output)?.[1];
      if (port && token) {
        clearTimeout(timer);
        resolve({ port: Number(port), token });
      }
    };
    child.stdout?.on('data', look);
    void exited.then((code) => reject(new Error(`the facade exited (${code}):\n${output}`)));
  });
  return { child, ...ready, output: () => output, exited };
}

function graphql(facade: Facade): Promise<Response> {
  return fetch(`http://127.0.0.1:${facade.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${facade.token}` },
    body: QUERY,
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

// Starting tsx, the schema and the sandbox takes a second or two; much longer on a busy CI machine.
const STARTUP_MS = 60_000;
const TIMEOUT = { timeout: 2 * STARTUP_MS };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown', () => {
  it('lets a slow request finish after SIGTERM, refuses new connections, and exits 0', TIMEOUT, async () => {
    const facade = await startFacade({ SANDBOX_LATENCY_MS: '1500', SHUTDOWN_GRACE_MS: '10000' });
    const slow = graphql(facade).then((res) => ({ res, at: performance.now() }));
    await sleep(400);
    facade.child.kill('SIGTERM');
    const signalledAt = performance.now();
    await sleep(300);

    expect(await connectionRefused(facade.port)).toBe(true);
    const { res, at } = await slow;
    expect(at).toBeGreaterThan(signalledAt);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data?: { customers?: { nodes: unknown[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.customers?.nodes).toHaveLength(1);
    expect(await facade.exited).toBe(0);
    expect(facade.output()).toContain('SIGTERM: finishing in-flight requests');
  });

  it('cuts requests still running at SHUTDOWN_GRACE_MS and exits 1', TIMEOUT, async () => {
    const facade = await startFacade({ SANDBOX_LATENCY_MS: '5000', SHUTDOWN_GRACE_MS: '300' });
    const slow = graphql(facade).then(
      (res) => res.status,
      () => 'cut',
    );
    await sleep(300);
    facade.child.kill('SIGTERM');
    expect(await slow).toBe('cut');
    expect(await facade.exited).toBe(1);
  });
});

describe('cluster mode', () => {
  it(
    'serves from WORKERS=2 processes on one port, sums their metrics, and stops cleanly on SIGTERM',
    TIMEOUT,
    async () => {
      const facade = await startFacade({ WORKERS: '2' });
      expect(facade.output()).toContain('2 worker processes');
      const statuses = await Promise.all(Array.from({ length: 6 }, () => graphql(facade).then((res) => res.status)));
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);

      const metrics = await (await fetch(`http://127.0.0.1:${facade.port}/metrics`)).text();
      // Six requests went to two workers round-robin: only the sum over both shows all six.
      expect(metrics).toMatch(/^partner_graph_http_requests_total\{route="graphql",status="200"\} 6$/m);

      facade.child.kill('SIGTERM');
      expect(await facade.exited).toBe(0);
    },
  );
});
