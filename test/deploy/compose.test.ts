import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  answering,
  closedPort,
  execForm,
  type ImageTree,
  imageTree,
  type Launched,
  launch,
  nginxBinary,
  nodeEnv,
  ROOT,
  readDockerfile,
  readEnvFile,
  renderNginxConfig,
  runtimeStage,
  single,
  stageEnv,
  stopAll,
  until,
} from './helpers.ts';

/**
 * deploy/compose.yaml without containers: Debian's nginx with deploy/nginx.conf in front of two
 * replicas of the image's CMD on its file tree, configured as compose configures them (the image's
 * ENV, .env.example, the service's environment), sharing this machine's Redis under a key prefix
 * of this test's own. Only addresses, ports, the secret and the upstream differ.
 */
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PREFIX = `pg-deploy-test:${randomUUID()}:`;
const SECRET = 'deploy-compose-test-secret-of-at-least-32-characters';
/** A burst of 30 operations per token, then one a minute: no refill during the test. */
const BURST = 30;
const LISTENING = /listening on http:\/\/localhost:(\d+)\//;

const runtime = runtimeStage(readDockerfile());
const CMD = execForm(single(runtime, 'CMD'));
const compose = parse(readFileSync(join(ROOT, 'deploy/compose.yaml'), 'utf8')) as {
  services: { facade: { environment: Record<string, string> } };
};

let tree: ImageTree;
let sandbox: Sandbox;
let redis: Redis;
let nginxDir: string;
let nginx: Launched;
let balancer: string;
const replicas: { process: Launched; address: string }[] = [];

function replicaEnv(): Record<string, string> {
  return nodeEnv({
    ...stageEnv(runtime),
    ...readEnvFile(join(ROOT, 'deploy/.env.example')),
    ...compose.services.facade.environment,
    PORT: '0',
    HOST: '127.0.0.1',
    PARTNER_API_URL: sandbox.url,
    SERVER_SECRET: SECRET,
    REDIS_URL,
    REDIS_KEY_PREFIX: PREFIX,
    RATE_LIMIT_PER_MINUTE: '1',
    RATE_LIMIT_BURST: String(BURST),
  });
}

const accessLogText = () => readFileSync(join(nginxDir, 'access.log'), 'utf8');
const linesTagged = (tag: string) =>
  accessLogText()
    .split('\n')
    .filter((line) => line.includes(` id=${tag}-`));
/**
 * The access log's lines of requests sent with this x-request-id prefix (the balancer logs the
 * caller's id), once there are `count`: nginx writes a line after the answer has gone out.
 */
async function accessLog(tag: string, count: number): Promise<string[]> {
  await until(() => linesTagged(tag).length >= count, `${count} access log lines tagged ${tag}`);
  return linesTagged(tag);
}
const upstreamOf = (line: string) => /upstream=(\S+(?:, \S+)*) upstream_status=/.exec(line)?.[1] ?? '';
let sent = 0;
const tagged = (tag: string) => ({ 'x-request-id': `${tag}-${++sent}` });

async function invoices(token: string, tag: string): Promise<{ status: number; count: number; errors: unknown }> {
  const res = await fetch(`${balancer}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...tagged(tag) },
    body: JSON.stringify({ query: '{ invoices(first: 3) { nodes { id } } }' }),
  });
  const body = (await res.json()) as { data?: { invoices?: { nodes: unknown[] } }; errors?: unknown };
  return { status: res.status, count: body.data?.invoices?.nodes.length ?? 0, errors: body.errors };
}

const tokens = () => Object.entries(sandbox.tokens);

beforeAll(async () => {
  const binary = nginxBinary();
  tree = await imageTree();
  sandbox = await startSandbox({ port: 0 });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const started = [0, 1].map(() => launch(CMD, { cwd: tree.app, env: replicaEnv() }));
  for (const process_ of started) {
    replicas.push({ process: process_, address: `127.0.0.1:${(await process_.waitFor(LISTENING))[1]}` });
  }
  nginxDir = mkdtempSync(join(tmpdir(), 'partner-graph-nginx-'));
  const port = await closedPort();
  const config = renderNginxConfig({ listen: port, upstreams: replicas.map((r) => r.address), dir: nginxDir });
  writeFileSync(join(nginxDir, 'nginx.conf'), config);
  // As the nginx image runs it: in the foreground.
  nginx = launch([binary, '-p', nginxDir, '-c', join(nginxDir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'], {
    env: nodeEnv(),
  });
  balancer = `http://127.0.0.1:${port}`;
  const gone = nginx.exited.then(({ code }) => `nginx exited (${code}):\n${nginx.output()}`);
  const problem = await Promise.race([answering(`${balancer}/health`).then(() => null), gone]);
  if (problem) throw new Error(problem);
}, 60_000);

afterAll(async () => {
  await stopAll();
  if (redis) {
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
  await sandbox?.close();
  if (nginxDir) rmSync(nginxDir, { recursive: true, force: true });
});

describe('the compose topology: nginx, two replicas, one Redis', () => {
  it('balances across both replicas and keeps /metrics off the public side', async () => {
    for (let i = 0; i < 4; i++)
      expect((await fetch(`${balancer}/ready`, { headers: tagged('ready') })).status).toBe(200);
    expect(new Set((await accessLog('ready', 4)).map(upstreamOf))).toEqual(new Set(replicas.map((r) => r.address)));
    expect((await fetch(`${balancer}/metrics`)).status).toBe(404);
  });

  it('a pdfUrl minted through the balancer points at it and downloads through either replica', async () => {
    const [organisation, token] = tokens()[1] ?? [];
    if (!organisation || !token) throw new Error('the sandbox has no second organisation');
    const res = await fetch(`${balancer}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ invoices(first: 1) { nodes { id pdfUrl } } }' }),
    });
    const [invoice] = ((await res.json()) as { data: { invoices: { nodes: { id: string; pdfUrl: string }[] } } }).data
      .invoices.nodes;
    if (!invoice) throw new Error('no invoice');
    expect(invoice.pdfUrl.startsWith(`${balancer}/downloads/invoices/`)).toBe(true);
    const expected = sandbox.pdfFor(organisation, invoice.id);

    for (let i = 0; i < 4; i++) {
      const pdf = await fetch(invoice.pdfUrl, { headers: tagged('download') });
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      expect(Buffer.from(await pdf.arrayBuffer()).equals(expected)).toBe(true);
    }
    const downloads = await accessLog('download', 4);
    expect(new Set(downloads.map(upstreamOf))).toEqual(new Set(replicas.map((r) => r.address)));
    // The balancer's log names a link by the first six characters of its ticket, as the facade's does.
    const ticket = /\/downloads\/invoices\/([^/.]+)\.pdf$/.exec(invoice.pdfUrl)?.[1] ?? '';
    expect(ticket.length).toBeGreaterThan(6);
    expect(accessLogText()).not.toContain(ticket);
    expect(nginx.output()).not.toContain(ticket);
    expect(downloads[0]).toContain(`/downloads/invoices/${ticket.slice(0, 6)}...`);
    expect(accessLogText()).not.toContain(token);
  });

  it('holds one rate limit per token across both replicas', async () => {
    const [, token] = tokens()[2] ?? [];
    if (!token) throw new Error('the sandbox has no third organisation');
    const statuses: number[] = [];
    for (let i = 0; i < BURST + 10; i++) statuses.push((await invoices(token, 'limit')).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(BURST);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
    expect(new Set((await accessLog('limit', BURST + 10)).map(upstreamOf))).toEqual(
      new Set(replicas.map((r) => r.address)),
    );
  });

  it('loses no operation when one replica gets SIGTERM under load', async () => {
    const [, token] = tokens()[0] ?? [];
    const [stopping, staying] = replicas;
    if (!token || !stopping || !staying) throw new Error('setup');
    sandbox.calls.clear();
    sandbox.faults.set([{ kind: 'latency', ms: 600 }]);
    const inFlight = Array.from({ length: 12 }, () => invoices(token, 'drain'));
    await until(() => sandbox.calls.list().filter((call) => call.endedAt === null).length === 12, '12 calls in flight');
    process.kill(stopping.process.pid, 'SIGTERM');
    await stopping.process.waitFor(/SIGTERM: finishing in-flight requests/);
    const afterwards = Array.from({ length: 12 }, () => invoices(token, 'drain'));

    const results = await Promise.all([...inFlight, ...afterwards]);
    expect(results).toEqual(results.map(() => ({ status: 200, count: 3, errors: undefined })));
    expect(await stopping.process.exited).toEqual({ code: 0, signal: null });
    const served = (await accessLog('drain', 24)).map(upstreamOf);
    // Operations the stopping replica had taken were answered by it, not sent again elsewhere.
    expect(served.filter((upstream) => upstream === stopping.address).length).toBeGreaterThan(0);
    expect(served).toHaveLength(24);
  });
});
