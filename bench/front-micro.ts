// `npx tsx bench/front-micro.ts [--piece=request|metrics|line|record] [checkout…]`: CPU per request of
// what every request pays around the GraphQL work, for each checkout given (this tree when none),
// interleaved MICRO_ROUNDS times (3), then each one's median. `request` (the default): the router, the request record (log line to
// /dev/null, HTTP metrics) and the /graphql route (Host, bounds, body, credentials, caller key,
// rate limit, deadline) for the common JSON POST with a bearer token, in front of a stub GraphQL
// core that answers at once and reports what the real one reports to the metrics. `metrics`: the
// metric calls of one such request alone. `line`: its log line alone (and a turn of the event loop). `record`: one request record, started and closed.
// Each checkout's build (dist/, as production runs it: `npm run build` first) is measured where it
// has one, else its sources under tsx (whose keepNames wrapper adds a call per closure made).
// Run as production does: `node --max-semi-space-size=8 --liftoff-only --import tsx bench/front-micro.ts …`.

import { EventEmitter } from 'node:events';
import { existsSync, openSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { REPO_ROOT } from './children.ts';
import { median } from './stats.ts';

const args = process.argv.slice(2);
const piece = args.find((arg) => arg.startsWith('--piece='))?.slice('--piece='.length) ?? 'request';
const given = args.filter((arg) => !arg.startsWith('--'));
const roots = given.length > 0 ? given : [REPO_ROOT];
const CALLS = Number(process.env['MICRO_CALLS'] ?? 100_000);

const QUERY = '{ customers(first: 20) { edges { node { id name email } } } }';
const BODY = Buffer.from(JSON.stringify({ query: QUERY }));
const TOKEN = demoToken();
/** The log line of one such request, as the request record writes it. */
const LINE = {
  requestId: '0f8e4c52-8d5f-4a51-9a3b-2b6f2f0f6a11',
  method: 'POST',
  operationName: null,
  codes: [],
  status: 200,
  durationMs: 3,
};
const ANSWER = JSON.stringify({ data: { customers: { edges: [] } } });

/** A JWT-shaped token like the sandbox's, expiring in 2099. */
function demoToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = part({ alg: 'HS256', typ: 'JWT', kid: 'partner-graph-sandbox' });
  const claims = part({ sub: 'partner-user@org', 'lmo:partner_org': 'org', scope: 'partner', exp: 4_070_908_800 });
  return `${header}.${claims}.${'s'.repeat(43)}`;
}

/** The response surface the front uses; 'close' follows `end` on a later microtask, as after a write. */
class StubResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableFinished = false;
  destroyed = false;
  setHeader(): this {
    return this;
  }
  writeHead(status: number): this {
    this.statusCode = status;
    this.headersSent = true;
    return this;
  }
  end(_body?: string): this {
    this.writableFinished = true;
    queueMicrotask(() => this.emit('close'));
    return this;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const socket = new Socket();
const RAW_HEADERS = [
  'Host',
  '127.0.0.1:4000',
  'Content-Type',
  'application/json',
  'Content-Length',
  String(BODY.length),
  'Authorization',
  `Bearer ${TOKEN}`,
  'Connection',
  'keep-alive',
];

function request(): IncomingMessage {
  const req = new IncomingMessage(socket);
  req.method = 'POST';
  req.url = '/graphql';
  req.rawHeaders = RAW_HEADERS;
  req.headers = {};
  for (let i = 0; i < RAW_HEADERS.length; i += 2)
    req.headers[String(RAW_HEADERS[i]).toLowerCase()] = RAW_HEADERS[i + 1];
  req.push(BODY);
  req.push(null);
  return req;
}

type Metrics = import('../src/observability/metrics.ts').Metrics;

/** What the GraphQL core and the upstream layer report per request (src/graphql, src/partner). */
function reportLikeTheCore(metrics: Metrics): void {
  metrics.graphqlTransport('direct');
  metrics.graphqlExecutor('plan');
  metrics.upstreamEvents.onUpstreamCall?.({
    endpoint: 'customers.list',
    method: 'get',
    requestId: null,
    status: 200,
    code: null,
    durationMs: 1.2,
    attempts: 1,
    retries: 0,
    breaker: 'closed',
    failedFast: false,
    retryBudgetExhausted: false,
  });
  metrics.observeOperation({ name: null, codes: [], hasData: true, seconds: 0.002 });
}

/** A module of the checkout: compiled when it has a build. */
function moduleOf(root: string, path: string) {
  const built = `${root}/dist/${path}.js`;
  return import(existsSync(built) ? built : `${root}/src/${path}.ts`);
}

async function load(root: string) {
  const { pino } = await import(`${root}/node_modules/pino/pino.js`);
  const { createLogger } = await moduleOf(root, 'logging/logger');
  const { createMetrics } = await moduleOf(root, 'observability/metrics');
  const { createRequestRecords } = await moduleOf(root, 'logging/request-record');
  const { createRouter } = await moduleOf(root, 'http/router');
  const { createGraphQLRoute } = await moduleOf(root, 'http/graphql-route');
  const { createRateLimiter } = await moduleOf(root, 'limits/rate-limit');
  const { createCallerKeys } = await moduleOf(root, 'auth/caller-key');
  // MICRO_LOG=stdout: the production destination (buffered stdout; run with stdout piped away).
  const logger =
    process.env['MICRO_LOG'] === 'stdout'
      ? createLogger({ level: 'info', mode: 'production' })
      : createLogger({
          level: 'info',
          destination: pino.destination({ dest: openSync('/dev/null', 'w'), minLength: 4096, sync: false }),
        });
  const metrics: Metrics = createMetrics({ version: 'bench', commit: 'bench', node: process.version });
  const records = createRequestRecords(logger, metrics);
  const limits = { maxBodyBytes: 1024 * 1024, maxQueryLength: 20_000, maxVariablesBytes: 64 * 1024, maxBatch: 10 };
  const route = createGraphQLRoute({
    limits,
    deadlineMs: 10_000,
    rateLimiter: createRateLimiter({ settings: { perMinute: 1_000_000, burst: 1_000_000 } }),
    callerKeys: createCallerKeys('bench-server-secret-0123456789abcdefghijklmnop'),
    graphiql: null,
    graphql: async ({ res, record }: { res: StubResponse; record: { operation(name: null): void } }) => {
      record.operation(null);
      reportLikeTheCore(metrics);
      res.writeHead(200);
      res.end(ANSWER);
    },
  });
  const noRoute = () => {};
  const handle = createRouter(records, {
    graphql: route,
    downloads: noRoute,
    health: noRoute,
    ready: noRoute,
    metrics: noRoute,
  });
  return { handle, metrics, records, logger };
}

type Loaded = Awaited<ReturnType<typeof load>>;
const loaded = new Map<string, Loaded>();

function closed(res: StubResponse): Promise<void> {
  return new Promise((resolve) => res.once('close', () => setImmediate(resolve)));
}

const pieces: Record<string, (app: Loaded) => Promise<void> | void> = {
  async request({ handle }) {
    const res = new StubResponse();
    const done = closed(res);
    handle(request(), res as never);
    await done;
  },
  metrics({ metrics }) {
    const done = metrics.httpStarted();
    reportLikeTheCore(metrics);
    done();
    metrics.observeHttp('graphql', 200, 0.003);
  },
  async line({ logger }) {
    logger.info({ ...LINE }, 'graphql request');
    // A turn of the event loop per line, as between requests: the destination's writes complete.
    await new Promise(setImmediate);
  },
  record({ records }) {
    const res = new StubResponse();
    const record = records.start(request(), res as never, 'graphql');
    record.operation(null);
    res.writeHead(200);
    res.writableFinished = true;
    res.emit('close');
  },
};

async function measure(root: string): Promise<number> {
  const app = loaded.get(root) ?? (await load(root));
  loaded.set(root, app);
  const run = pieces[piece];
  if (!run) throw new Error(`no piece ${piece}: ${Object.keys(pieces).join(', ')}`);
  for (let i = 0; i < 2_000; i++) await run(app);
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await run(app);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

const ROUNDS = Number(process.env['MICRO_ROUNDS'] ?? 3);
const results = new Map<string, number[]>(roots.map((root) => [root, []]));
for (let round = 1; round <= ROUNDS; round++) {
  const line: string[] = [];
  for (const root of roots) {
    const used = await measure(root);
    results.get(root)?.push(used);
    line.push(`${root}: ${used.toFixed(2)} µs`);
  }
  console.error(`${piece} round ${round}: ${line.join(' | ')}`);
}
const summary = [...results].map(
  ([root, used]) => `${root}: ${median(used).toFixed(2)} µs (min ${Math.min(...used).toFixed(2)})`,
);
console.error(`${piece} median of ${ROUNDS}: ${summary.join(' | ')}`);
process.exit(0);
