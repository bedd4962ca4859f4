// `npx tsx bench/partner-micro.ts [checkout…]`: CPU per upstream call of the common request's
// customer page (20 records), for each checkout given (this tree when none), interleaved three times.
// Four measures, each apart from GraphQL:
// - path: the request path with the common query (limit=20);
// - readers: `searchCustomers` over a transport that answers at once with the page's bytes
//   (JSON.parse and the field readers);
// - resilience: `get` through the resilience layer over that transport, its events going to the
//   upstream log line (pino into a discarding stream) and the metrics;
// - transport: `searchCustomers` through the resilience layer and the undici transport to a local
//   HTTP server answering the page (in a child process: its CPU is not counted).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { REPO_ROOT } from './children.ts';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [REPO_ROOT];
const READER_CALLS = 100_000;
const RESILIENCE_CALLS = 200_000;
const TRANSPORT_CALLS = 10_000;
const IN_FLIGHT = 8;
const PATH_CALLS = 1_000_000;

const { startSandbox } = await import(`${REPO_ROOT}/src/sandbox/index.ts`);
const body = await samplePage();
const server = await startPageServer(body);
const baseUrl = `http://127.0.0.1:${server.port}/api`;

/** A server answering every request with the page, in a child process: its CPU is not counted here. */
async function startPageServer(page: Buffer): Promise<{ port: number; child: ChildProcess }> {
  const source = `
    const page = Buffer.from(${JSON.stringify(page.toString('base64'))}, 'base64');
    const server = require('node:http').createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'upstream-1' });
      res.end(page);
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  return { port: Number(String(line).trim()), child };
}

/** The sandbox's first 20 customers, as the bytes the partner API sends. */
async function samplePage(): Promise<Buffer> {
  const sandbox = await startSandbox({ seed: 1 });
  const token = Object.values(sandbox.tokens as Record<string, string>)[0];
  const res = await fetch(`${sandbox.url}/partner/customer?limit=20`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  await sandbox.close();
  return bytes;
}

const caller = { token: 'token-abc', headers: { 'x-request-id': 'req-1' } };
const query = { filter: null, token: null, size: 20 };
const response = { status: 200, body, contentType: 'application/json', requestId: 'upstream-1' };
const answering = {
  get: async () => response,
  stream: async () => Promise.reject(new Error('unused')),
  close: async () => {},
};

async function modules(root: string) {
  const { searchCustomers } = await import(`${root}/src/partner/customers.ts`);
  const { createResilientHttp, combineEvents } = await import(`${root}/src/partner/resilience/resilient-http.ts`);
  const { upstreamLogEvents } = await import(`${root}/src/logging/upstream-log.ts`);
  const { createLogger } = await import(`${root}/src/logging/logger.ts`);
  const { createUpstreamHttp, upstreamPath } = await import(`${root}/src/partner/http.ts`);
  const { createMetrics } = await import(`${root}/src/observability/metrics.ts`);
  const logger = createLogger({ level: 'info', destination: { write: () => true } });
  const metrics = createMetrics({ version: 'bench', commit: 'bench' });
  // As app.ts and services.ts nest them: the log, then (metrics, readiness).
  const ops = combineEvents(metrics.upstreamEvents, { onUpstreamCall: () => {} }, undefined);
  const events = combineEvents(upstreamLogEvents(logger), combineEvents(ops, undefined));
  const resilient = (inner: unknown) =>
    createResilientHttp(inner, {
      retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
      budget: { ratio: 0.1, floorPerSecond: 1 },
      breaker: { failureThreshold: 5, failureRate: 0.5, windowMs: 10_000, cooldownMs: 5_000 },
      concurrency: { maxConcurrent: 64, maxQueue: 1000 },
      callTimeoutMs: 10_000,
      events,
    });
  const transport = resilient(createUpstreamHttp({ baseUrl, timeoutMs: 10_000, maxSockets: 16 }));
  return { searchCustomers, upstreamPath, resilience: resilient(answering), transport };
}

async function cpuPerCall(calls: number, inFlight: number, call: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      next++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

const loaded: [string, Awaited<ReturnType<typeof modules>>][] = [];
for (const root of roots) loaded.push([root, await modules(root)]);

const customerPage = {
  endpoint: 'customers',
  path: '/partner/customer',
  query: { filter: undefined, queryMore: undefined, limit: 20 },
  ...caller,
};

const measures = {
  path: (m: Awaited<ReturnType<typeof modules>>) =>
    cpuPerCall(PATH_CALLS, 1, async () => m.upstreamPath('/api', customerPage)),
  readers: (m: Awaited<ReturnType<typeof modules>>) =>
    cpuPerCall(READER_CALLS, 1, () => m.searchCustomers(answering, caller, query)),
  resilience: (m: Awaited<ReturnType<typeof modules>>) =>
    cpuPerCall(RESILIENCE_CALLS, 1, () => m.resilience.get({ endpoint: 'customers', path: '/x', ...caller })),
  transport: (m: Awaited<ReturnType<typeof modules>>) =>
    cpuPerCall(TRANSPORT_CALLS, IN_FLIGHT, () => m.searchCustomers(m.transport, caller, query)),
};
const only = process.env.MICRO_ONLY?.split(',');

for (let round = 1; round <= 3; round++) {
  for (const [name, measure] of Object.entries(measures)) {
    if (only && !only.includes(name)) continue;
    const line: string[] = [];
    for (const [root, m] of loaded) line.push(`${root}: ${(await measure(m)).toFixed(2)} µs`);
    console.log(`round ${round} ${name}: ${line.join(' | ')}`);
  }
}
for (const [, m] of loaded) await m.transport.close();
server.child.kill();
process.exit(0);
