// The servers under test run in child processes, so each one's CPU time and memory can be read on
// its own and none of them shares an event loop with the load. The sandbox and the proxy run
// under tsx and answer the bench's questions over IPC; the facade runs as production runs it,
// `npm run start:prod` (`node … dist/main.js`, the build), and is measured from /proc — under tsx
// only where a checkout has no build.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.ts';
import { residentMemory } from './proc.ts';
import type { BenchReply, BenchRequest } from './protocol.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export type ServerKind = 'sandbox' | 'proxy' | 'facade';

export interface ServerStats {
  cpuUs: number;
  rssBytes: number;
  monoUs: number;
}

export interface ChildServer {
  kind: ServerKind;
  pid: number;
  /** What the child announced (e.g. `origin`), and `runtime`: how it was started. */
  details: Record<string, unknown>;
  stats(): Promise<ServerStats>;
  /** Asks the child to close and exit (IPC, or SIGTERM for the build; either writes a --cpu-prof profile), then waits for it. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Run the server from another checkout of this repo (bench/ab.ts compares two); this one by default. */
  root?: string;
  /**
   * Where the child's stdout goes: the bench's own (default), nowhere (e.g. one JSON log line per
   * request), or an open file (bench/gc.ts reads V8's GC trace from it).
   */
  stdout?: 'inherit' | 'ignore' | number;
  startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function scriptsOf(root: string): Record<string, string> {
  return (
    (
      JSON.parse(readFileSync(`${root.replace(/\/+$/, '')}/package.json`, 'utf8')) as {
        scripts?: Record<string, string>;
      }
    ).scripts ?? {}
  );
}

/** Whether a checkout has `npm run build` (older ones run only under tsx). */
export function hasBuild(root = REPO_ROOT): boolean {
  return scriptsOf(root)['build'] !== undefined;
}

/** `npm run build` in a checkout (this one by default), so the bench never measures a stale build. */
export function buildFacade(root = REPO_ROOT): void {
  const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`npm run build failed in ${root} (exit ${built.status})`);
}

/**
 * How a checkout's `npm run start:prod` runs its build — `node [flags] dist/main.js` — when it has
 * one, so the bench starts exactly that (plus any flags of its own).
 */
export function productionCommand(root = REPO_ROOT): { nodeFlags: string[]; entry: string } | null {
  const base = root.replace(/\/+$/, '');
  if (!existsSync(`${base}/dist/main.js`)) return null;
  const command = scriptsOf(base)['start:prod'] ?? '';
  // `exec` lets npm's signals reach node (see test/deploy/image.test.ts); older checkouts lack it.
  const words = command.trim().split(/\s+/);
  if (words[0] === 'exec') words.shift();
  const entry = words.at(-1);
  if (words[0] !== 'node' || !entry?.endsWith('.js') || !words.slice(1, -1).every((word) => word.startsWith('--'))) {
    throw new Error(
      `${base}: "start:prod" must be \`[exec] node [--flags] dist/main.js\` for the bench to run it, not "${command}"`,
    );
  }
  return { nodeFlags: words.slice(1, -1), entry: `${base}/${entry}` };
}

export async function startChild(kind: ServerKind, options: SpawnOptions = {}): Promise<ChildServer> {
  const root = options.root ?? REPO_ROOT;
  const production = kind === 'facade' ? productionCommand(root) : null;
  if (production) return startBuiltFacade(production, root, options);
  const entry = `${root.replace(/\/+$/, '')}/bench/servers/${kind}.ts`;
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  const details = { ...(await waitForReady(child, kind, options.startTimeoutMs ?? 60_000)), runtime: 'tsx' };
  const pid = child.pid;
  if (pid === undefined) throw new Error(`the ${kind} child has no pid`);

  let nextId = 1;
  const pending = new Map<number, (stats: ServerStats) => void>();
  child.on('message', (reply: BenchReply) => {
    if (reply.type !== 'stats') return;
    pending.get(reply.id)?.({ cpuUs: reply.cpuUs, rssBytes: reply.rssBytes, monoUs: reply.monoUs });
    pending.delete(reply.id);
  });
  const send = (request: BenchRequest) => child.send(request);

  return {
    kind,
    pid,
    details,
    stats: () =>
      new Promise<ServerStats>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`the ${kind} child did not report its stats`));
        }, 10_000);
        pending.set(id, (stats) => {
          clearTimeout(timer);
          resolve(stats);
        });
        send({ type: 'stats', id });
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      send({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The facade from `dist/main.js` with the bench's environment, on a free loopback port, ready
 * once /health answers. It speaks no bench protocol: CPU time and memory come from /proc (CPU in
 * clock ticks, 10 ms at most; a window's share of that is far below its noise), and it stops as
 * production does, on SIGTERM.
 */
async function startBuiltFacade(
  production: { nodeFlags: string[]; entry: string },
  root: string,
  options: SpawnOptions,
): Promise<ChildServer> {
  const port = await freePort();
  // The bench's own flags last, so an experiment (e.g. another --max-semi-space-size) wins.
  const nodeFlags = [...production.nodeFlags, ...(options.nodeFlags ?? [])];
  const child = spawn(process.execPath, [...nodeFlags, production.entry], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  const origin = `http://127.0.0.1:${port}`;
  await waitForHealth(child, origin, options.startTimeoutMs ?? 60_000);
  const pid = child.pid;
  if (pid === undefined) throw new Error('the facade child has no pid');
  return {
    kind: 'facade',
    pid,
    details: { origin, runtime: ['node', ...production.nodeFlags, 'dist/main.js'].join(' ') },
    async stats() {
      const rssBytes = residentMemory(pid)?.currentBytes;
      if (rssBytes === undefined) throw new Error('the facade child is gone');
      return { cpuUs: cpuTimeUs(pid), rssBytes, monoUs: Number(process.hrtime.bigint() / 1000n) };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForHealth(child: ChildProcess, origin: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the facade child exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})`,
      );
    }
    const healthy = await fetch(`${origin}/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`the facade child did not start within ${timeoutMs} ms`);
}

let clockTicksPerSecond: number | null = null;

/** User + system CPU time of a process (all its threads), from /proc/<pid>/stat. */
function cpuTimeUs(pid: number): number {
  clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return (ticks / clockTicksPerSecond) * 1_000_000;
}

function waitForReady(child: ChildProcess, kind: ServerKind, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${kind} child did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the ${kind} child exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.on('message', (reply: BenchReply) => {
      if (reply.type !== 'ready') return;
      clearTimeout(timer);
      resolve(reply.details);
    });
  });
}

/** Reads a string field a child announced, or fails saying which. */
export function detail(server: ChildServer, name: string): string {
  const value = server.details[name];
  if (typeof value !== 'string') throw new Error(`the ${server.kind} child did not announce "${name}"`);
  return value;
}
