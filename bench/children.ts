// The servers under test run in child processes (`node --import tsx`), so each one's CPU time
// and memory can be read on its own and none of them shares an event loop with the load.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
  details: Record<string, unknown>;
  stats(): Promise<ServerStats>;
  /** Asks the child to close and exit (which writes a --cpu-prof profile), then waits for it. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Run the server from another checkout of this repo (bench/ab.ts compares two); this one by default. */
  root?: string;
  /** Where the child's stdout goes: the bench's own (default) or nowhere (e.g. one JSON log line per request). */
  stdout?: 'inherit' | 'ignore';
  startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startChild(kind: ServerKind, options: SpawnOptions = {}): Promise<ChildServer> {
  const root = options.root ?? REPO_ROOT;
  const entry = `${root.replace(/\/+$/, '')}/bench/servers/${kind}.ts`;
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  const details = await waitForReady(child, kind, options.startTimeoutMs ?? 60_000);
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
