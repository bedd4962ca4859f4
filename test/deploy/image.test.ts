import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  childrenOf,
  closedPort,
  execForm,
  healthcheck,
  type ImageTree,
  imageTree,
  isRunning,
  type Launched,
  launch,
  nodeEnv,
  onReadOnlyRoot,
  ROOT,
  readDockerfile,
  readOnlyRootProblem,
  run,
  runtimeStage,
  single,
  stageEnv,
  stopAll,
  until,
} from './helpers.ts';

/**
 * The image without a container daemon: its file tree built as the Dockerfile builds it, then its
 * own CMD and HEALTHCHECK, read from the Dockerfile, run on that tree with the image's ENV, on a
 * read-only root filesystem, in front of a sandbox partner API.
 */
const runtime = runtimeStage(readDockerfile());
const CMD = execForm(single(runtime, 'CMD'));
const HEALTHCHECK = healthcheck(runtime);
const SECRET = 'deploy-image-test-secret-of-at-least-32-characters';
const SLOW_MS = 1_000;
const LISTENING = /listening on http:\/\/localhost:(\d+)\//;

let tree: ImageTree;
let sandbox: Sandbox;
let readOnlyProblem: string | null;
let token: string;

/** The image's ENV, then what a deployment sets (compose and the manifests set more). */
function imageEnv(): Record<string, string> {
  return nodeEnv({
    ...stageEnv(runtime),
    PORT: '0',
    HOST: '127.0.0.1',
    PARTNER_API_URL: sandbox.url,
    SERVER_SECRET: SECRET,
  });
}

/** On a read-only root where this machine allows it; the read-only test fails where it does not. */
const contained = (command: string[]) => (readOnlyProblem ? command : onReadOnlyRoot(tree.app, command));

async function invoices(origin: string): Promise<{ status: number; count: number; errors: unknown }> {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ invoices(first: 3) { nodes { id invoiceNumber } } }' }),
  });
  const body = (await res.json()) as { data?: { invoices?: { nodes: unknown[] } }; errors?: unknown };
  return { status: res.status, count: body.data?.invoices?.nodes.length ?? 0, errors: body.errors };
}

/** Starts an operation the sandbox holds for SLOW_MS, and resolves once the upstream call is in flight. */
async function slowOperation(origin: string): Promise<{ result: ReturnType<typeof invoices>; startedAt: number }> {
  sandbox.calls.clear();
  sandbox.faults.set([{ kind: 'latency', ms: SLOW_MS }]);
  const startedAt = performance.now();
  const result = invoices(origin);
  await until(() => sandbox.calls.list().some((call) => call.endedAt === null), 'the upstream call');
  return { result, startedAt };
}

beforeAll(async () => {
  tree = await imageTree();
  sandbox = await startSandbox({ port: 0 });
  token = Object.values(sandbox.tokens)[0] ?? '';
  readOnlyProblem = readOnlyRootProblem(tree.app);
}, 60_000);

afterAll(async () => {
  await stopAll();
  await sandbox?.close();
});

describe("the Dockerfile's CMD and HEALTHCHECK, on the image's file tree", () => {
  let server: Launched;
  let origin: string;
  let port: number;

  beforeAll(async () => {
    server = launch(contained(CMD), { cwd: tree.app, env: imageEnv() });
    port = Number((await server.waitFor(LISTENING))[1]);
    origin = `http://127.0.0.1:${port}`;
  }, 30_000);

  it('runs node itself on the build, with the flags of npm run start:prod', () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(CMD[0]).toBe('node');
    expect(CMD.at(-1)).toBe('dist/main.js');
    expect(['exec', ...CMD].join(' ')).toBe(scripts['start:prod']);
    expect(stageEnv(runtime)['NODE_ENV']).toBe('production');
  });

  it('serves GraphQL in production mode from dist/ and the production dependencies alone', async () => {
    expect(await invoices(origin)).toEqual({ status: 200, count: 3, errors: undefined });
    // GraphiQL is a development convenience: production mode answers no HTML page.
    const page = await fetch(`${origin}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
  });

  it('passes its HEALTHCHECK, which fails when nothing answers', async () => {
    expect(Number.parseInt(HEALTHCHECK.options['timeout'] ?? '', 10)).toBeGreaterThan(0);
    const env = { ...imageEnv(), PORT: String(port) };
    const healthy = await run(contained(HEALTHCHECK.command), { cwd: tree.app, env });
    expect(healthy).toEqual({ code: 0, output: '' });
    const nobody = await run(contained(HEALTHCHECK.command), {
      cwd: tree.app,
      env: { ...env, PORT: String(await closedPort()) },
    });
    expect(nobody.code).toBe(1);
  });

  it('runs on a read-only root filesystem, where only /tmp can be written', async () => {
    expect(readOnlyProblem).toBeNull();
    const write = (path: string) =>
      run(contained(['node', '-e', `require('node:fs').writeFileSync(${JSON.stringify(path)}, 'x')`]), {
        cwd: tree.app,
        env: imageEnv(),
      });
    const inApp = await write('dist/probe');
    expect(inApp.code).not.toBe(0);
    expect(inApp.output).toContain('EROFS');
    const inTmp = `/tmp/partner-graph-probe-${randomUUID()}`;
    try {
      expect((await write(inTmp)).code).toBe(0);
      expect(readFileSync(inTmp, 'utf8')).toBe('x');
    } finally {
      rmSync(inTmp, { force: true });
    }
    // The server above has run all along under the same mounts.
    expect(isRunning(server.pid)).toBe(true);
  });

  it('lets an operation in flight at SIGTERM finish, refuses new connections, then exits 0', async () => {
    const { result, startedAt } = await slowOperation(origin);
    process.kill(server.pid, 'SIGTERM');
    await server.waitFor(/SIGTERM: finishing in-flight requests/);
    await expect(fetch(`${origin}/health`)).rejects.toThrow();
    expect(await result).toEqual({ status: 200, count: 3, errors: undefined });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(SLOW_MS);
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});

describe('npm run start:prod', () => {
  it('passes SIGTERM on to the server: the operation in flight finishes, npm exits 0, nothing is left', async () => {
    const npm = launch(['npm', 'run', 'start:prod'], {
      cwd: tree.app,
      env: { ...imageEnv(), npm_config_update_notifier: 'false' },
    });
    const origin = `http://127.0.0.1:${(await npm.waitFor(LISTENING))[1]}`;
    const servers = childrenOf(npm.pid).filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dist/main.js'),
    );
    expect(servers).toHaveLength(1);
    const [serverPid = 0] = servers;

    const { result } = await slowOperation(origin);
    process.kill(npm.pid, 'SIGTERM');
    expect(await result).toEqual({ status: 200, count: 3, errors: undefined });
    expect(await npm.exited).toEqual({ code: 0, signal: null });
    await until(() => !isRunning(serverPid), 'the server to exit', 5_000);
  });
});
