import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WAIT_MS = 30_000;

let sandbox: Sandbox;
const children: ChildProcess[] = [];
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sandbox.close();
});

/** The server from source, its stdout collected line by line. */
function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  let rest = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  /** Resolves with the first line that matches, once stdout has it. */
  const lineMatching = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matched ${pattern}:\n${lines.join('\n')}`)), WAIT_MS);
      const look = () => {
        const line = lines.find((l) => pattern.test(l));
        if (line === undefined) return void waiters.push(look);
        clearTimeout(timer);
        resolve(line);
      };
      look();
    });
  return { child, lines, exited, lineMatching };
}

describe('process logs', () => {
  it('in production, every stdout line is a JSON record: banner, request lines and shutdown', async () => {
    const server = startServer({
      NODE_ENV: 'production',
      PARTNER_API_URL: sandbox.url,
      SERVER_SECRET: 'process-logs-test-secret-0123456789abcdef',
    });
    const banner = await server.lineMatching(/listening on/);
    const port = /localhost:(\d+)\//.exec(banner)?.[1];
    expect(banner).not.toContain('GraphiQL');
    await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${Object.values(sandbox.tokens)[0]}` },
      body: JSON.stringify({ query: '{ customers(first: 1) { nodes { id } } }' }),
    });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.lines.length).toBeGreaterThanOrEqual(3);
    const records = server.lines.filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const messages = records.map((r) => String(r['msg']));
    expect(messages.some((m) => m.startsWith('Partner Graph listening on'))).toBe(true);
    expect(messages).toContain('graphql request');
    expect(messages.some((m) => m.startsWith('SIGTERM'))).toBe(true);
  });

  it('in development, a request line appears as soon as the request is answered', async () => {
    const server = startServer({ NODE_ENV: 'development', PARTNER_API_URL: sandbox.url });
    const banner = await server.lineMatching(/listening on/);
    const port = /localhost:(\d+)\//.exec(banner)?.[1];
    await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${Object.values(sandbox.tokens)[0]}` },
      body: JSON.stringify({ query: '{ customers(first: 1) { nodes { id } } }' }),
    });
    const line = await server.lineMatching(/"graphql request"/);
    expect(JSON.parse(line)).toMatchObject({ status: 200, codes: [] });
    server.child.kill('SIGTERM');
    await server.exited;
  });
});
