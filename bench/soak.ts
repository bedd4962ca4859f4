// `npm run soak`: 50 concurrent clients for 60 s against the facade, in front of the sandbox with
// ~10% of upstream calls faulted (every kind but `hang`, so that every request ends well within the
// operation deadline). Facade and sandbox run in their own processes (bench/servers/), the clients
// here; loopback only and bounded in time. Reports every response that is not valid GraphQL
// with a documented code (a "crash"), the counts per error code, the facade's upstream calls and
// retries from its own log, and its resident memory after warm-up against the end.
// SOAK_SECONDS, SOAK_CLIENTS and SOAK_FAULT_RATE shorten or vary a run. Exit code 1 when a bound fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FaultRule } from '../src/sandbox/index.ts';
import { detail, startChild } from './children.ts';
import type { BenchReply } from './protocol.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

const DOCUMENTED_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'RATE_LIMITED',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'INTERNAL_SERVER_ERROR',
]);
/** Resident memory may grow by at most this much between the end of warm-up and the end of the run. */
const RSS_GROWTH_BOUND_MB = 64;
const CLIENT_TIMEOUT_MS = 30_000;

interface Settings {
  seconds: number;
  clients: number;
  faultRate: number;
  warmupSeconds: number;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new Error(`${name} must be a number from ${min} to ${max}`);
    return value;
  };
  const seconds = number('SOAK_SECONDS', 60, 5, 3_600);
  return {
    seconds,
    clients: Math.round(number('SOAK_CLIENTS', 50, 1, 1_000)),
    faultRate: number('SOAK_FAULT_RATE', 0.1, 0, 1),
    warmupSeconds: Math.max(3, Math.round(seconds / 2)),
  };
}

/** ~`rate` of upstream calls fail, spread over every fault kind (weights sum to 1), plus some slowness. */
function faultMix(rate: number): FaultRule[] {
  const weights: [FaultRule, number][] = [
    [{ kind: 'status', status: 500 }, 0.15],
    [{ kind: 'status', status: 502 }, 0.1],
    [{ kind: 'status', status: 503 }, 0.15],
    [{ kind: 'status', status: 504 }, 0.1],
    [{ kind: 'rateLimit', retryAfter: 1 }, 0.1],
    [{ kind: 'drop' }, 0.1],
    [{ kind: 'malformedJson' }, 0.08],
    [{ kind: 'truncated' }, 0.08],
    [{ kind: 'wrongShape' }, 0.08],
    [{ kind: 'status', status: 404 }, 0.03],
    [{ kind: 'status', status: 403 }, 0.03],
  ];
  // Each terminal rule only sees calls no earlier rule took: scale so the total is `rate`.
  let left = 1;
  const rules: FaultRule[] = [{ kind: 'latency', ms: 50, jitterMs: 200, rate: Math.min(1, rate / 2) }];
  for (const [rule, weight] of weights) {
    const share = (rate * weight) / left;
    rules.push({ ...rule, rate: Math.min(1, share) });
    left -= rate * weight;
  }
  return rules;
}

interface Facade {
  origin: string;
  pid: number;
  rss(): Promise<number>;
  stop(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The facade as `npm start` builds it, in its own process, its JSON log lines handed to `onLine`. */
async function startFacade(env: Record<string, string>, onLine: (line: string) => void): Promise<Facade> {
  const entry = fileURLToPath(new URL('./servers/facade.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  process.once('exit', () => child.kill('SIGKILL'));
  if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
  const pending = new Map<number, (rss: number) => void>();
  let nextId = 1;
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the facade did not start within 60 s')), 60_000);
    void exited.then(() => reject(new Error('the facade exited before it was ready')));
    child.on('message', (reply: BenchReply) => {
      if (reply.type === 'ready' && typeof reply.details['origin'] === 'string') {
        clearTimeout(timer);
        resolve(reply.details['origin']);
      } else if (reply.type === 'stats') {
        pending.get(reply.id)?.(reply.rssBytes);
        pending.delete(reply.id);
      }
    });
  });
  const origin = await ready;
  const pid = child.pid ?? 0;
  return {
    origin,
    pid,
    exited,
    rss: () =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => reject(new Error('the facade did not report its memory')), 10_000);
        pending.set(id, (rss) => {
          clearTimeout(timer);
          resolve(rss);
        });
        child.send({ type: 'stats', id });
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Operation {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Whose token: 0 = the first organisation, 1 = the second, -1 = an unknown token. */
  who: 0 | 1 | -1;
}

const OPERATIONS: [Operation, number][] = [
  [
    {
      name: 'overview',
      who: 0,
      query:
        'query Overview { customers(first: 5) { totalCount nodes { id name } } invoices(first: 5) { nodes { id amount currency } } subscriptions(first: 5) { nodes { id status } } }',
    },
    0.35,
  ],
  [
    {
      name: 'overviewB',
      who: 0,
      query:
        'query OverviewB { customers(first: 5) { nodes { id } } invoices(first: 5) { nodes { id } } subscriptions(first: 5) { nodes { id } } }',
    },
    0.15,
  ],
  [
    {
      name: 'search',
      who: 0,
      query: 'query Search($f: String) { customers(first: 10, filter: $f) { totalCount nodes { id email } } }',
      variables: { f: 'a' },
    },
    0.15,
  ],
  [
    {
      name: 'invoices',
      who: 0,
      query:
        'query Invoices { invoices(first: 120) { pageInfo { hasNextPage endCursor } nodes { id invoiceNumber balance } } }',
    },
    0.15,
  ],
  [
    {
      name: 'subscriptions',
      who: 0,
      query: 'query Subs { subscriptions(first: 60) { pageInfo { hasNextPage } nodes { id name status } } }',
    },
    0.1,
  ],
  [{ name: 'badInput', who: 0, query: 'query Bad { invoices(first: -1) { nodes { id } } }' }, 0.05],
  [{ name: 'unknownToken', who: -1, query: 'query Unknown { customers(first: 1) { nodes { id } } }' }, 0.05],
];

function pick(random: number): Operation {
  let at = 0;
  for (const [operation, weight] of OPERATIONS) {
    at += weight;
    if (random < at) return operation;
  }
  return OPERATIONS[0]?.[0] ?? { name: 'overview', who: 0, query: '{ __typename }' };
}

interface Tally {
  requests: number;
  /** Valid GraphQL with data and no errors. */
  ok: number;
  /** Valid GraphQL with some data and some errors. */
  partial: number;
  /** Valid GraphQL with errors only. */
  failed: number;
  /** Not valid GraphQL, an undocumented code, a non-JSON body, a network error or a client timeout. */
  crashed: number;
  crashes: Record<string, number>;
  codes: Record<string, number>;
  byOperation: Record<string, number>;
  latencyMs: number[];
}

function classify(tally: Tally, operation: Operation, status: number, text: string): void {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return crash(tally, `HTTP ${status}: not JSON`);
  }
  if (typeof body !== 'object' || body === null) return crash(tally, `HTTP ${status}: not an object`);
  const { data, errors } = body as { data?: unknown; errors?: unknown };
  if (errors !== undefined && (!Array.isArray(errors) || errors.length === 0))
    return crash(tally, `HTTP ${status}: bad errors`);
  if (data === undefined && errors === undefined) return crash(tally, `HTTP ${status}: neither data nor errors`);
  for (const error of (errors ?? []) as { message?: unknown; extensions?: { code?: unknown } }[]) {
    const code = error.extensions?.code;
    if (typeof error.message !== 'string' || typeof code !== 'string' || !DOCUMENTED_CODES.has(code)) {
      return crash(tally, `HTTP ${status}: error without a documented code`);
    }
    tally.codes[code] = (tally.codes[code] ?? 0) + 1;
  }
  const hasData = typeof data === 'object' && data !== null && Object.values(data).some((v) => v !== null);
  if (!errors) tally.ok++;
  else if (hasData) tally.partial++;
  else tally.failed++;
  tally.byOperation[operation.name] = (tally.byOperation[operation.name] ?? 0) + 1;
}

function crash(tally: Tally, why: string): void {
  tally.crashed++;
  tally.crashes[why] = (tally.crashes[why] ?? 0) + 1;
}

async function client(origin: string, tokens: string[], end: number, tally: Tally): Promise<void> {
  while (performance.now() < end) {
    const operation = pick(Math.random());
    const token = operation.who === -1 ? 'not-a-known-token' : (tokens[operation.who] ?? '');
    const started = performance.now();
    tally.requests++;
    try {
      const res = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: operation.query, variables: operation.variables }),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      classify(tally, operation, res.status, await res.text());
    } catch (error) {
      crash(tally, error instanceof Error && error.name === 'TimeoutError' ? 'client timeout (30 s)' : 'network error');
    }
    tally.latencyMs.push(performance.now() - started);
  }
}

interface UpstreamTally {
  calls: number;
  attempts: number;
  retries: number;
  failedFast: number;
  budgetExhausted: number;
  codes: Record<string, number>;
  breakerChanges: string[];
  logLines: number;
  badLogLines: number;
}

function readLogLine(line: string, upstream: UpstreamTally, secrets: string[]): void {
  upstream.logLines++;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    upstream.badLogLines++;
    return;
  }
  if (secrets.some((secret) => line.includes(secret))) upstream.badLogLines++;
  if (entry['msg'] === 'upstream call') {
    upstream.calls++;
    upstream.attempts += Number(entry['attempts'] ?? 0);
    upstream.retries += Number(entry['retries'] ?? 0);
    if (entry['failedFast']) upstream.failedFast++;
    if (entry['retryBudgetExhausted']) upstream.budgetExhausted++;
    const code = typeof entry['code'] === 'string' ? entry['code'] : 'ok';
    upstream.codes[code] = (upstream.codes[code] ?? 0) + 1;
  } else if (typeof entry['msg'] === 'string' && entry['msg'].startsWith('circuit breaker')) {
    upstream.breakerChanges.push(`${String(entry['endpoint'])}→${String(entry['to'])}`);
  }
}

/** Least-squares slope of RSS over time after warm-up, in MB per minute: ~0 when memory is flat. */
function slopePerMinute(samples: { atS: number; rssMb: number }[]): number {
  if (samples.length < 2) return 0;
  const meanT = samples.reduce((n, s) => n + s.atS, 0) / samples.length;
  const meanR = samples.reduce((n, s) => n + s.rssMb, 0) / samples.length;
  const cov = samples.reduce((n, s) => n + (s.atS - meanT) * (s.rssMb - meanR), 0);
  const varT = samples.reduce((n, s) => n + (s.atS - meanT) ** 2, 0);
  return varT === 0 ? 0 : (cov / varT) * 60;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const hardStop = setTimeout(
    () => {
      log('soak: hard time limit reached; exiting');
      process.exit(2);
    },
    (settings.seconds + 120) * 1000,
  );
  hardStop.unref();

  const sandbox = await startChild('sandbox', {
    env: {
      BENCH_SANDBOX_OPTIONS: JSON.stringify({ seed: 7, faults: faultMix(settings.faultRate), maxRecordedCalls: 1_000 }),
    },
  });
  const sandboxUrl = detail(sandbox, 'url');
  const tokens = [detail(sandbox, 'token')];
  const upstream: UpstreamTally = {
    calls: 0,
    attempts: 0,
    retries: 0,
    failedFast: 0,
    budgetExhausted: 0,
    codes: {},
    breakerChanges: [],
    logLines: 0,
    badLogLines: 0,
  };
  const facade = await startFacade(
    {
      NODE_ENV: 'production',
      PARTNER_API_URL: sandboxUrl,
      CURSOR_SECRET: 'soak-cursor-secret-of-at-least-32-characters',
      LOG_LEVEL: 'info',
      // The facade's own per-caller rate limit would answer most of this load: the soak is about the upstream.
      RATE_LIMIT_PER_MINUTE: '0',
    },
    (line) => readLogLine(line, upstream, [...tokens, 'not-a-known-token']),
  );
  log(
    `soak: ${settings.clients} clients × ${settings.seconds} s against ${facade.origin} (pid ${facade.pid}), sandbox ${sandboxUrl}, ~${settings.faultRate * 100}% upstream faults`,
  );

  const tally: Tally = {
    requests: 0,
    ok: 0,
    partial: 0,
    failed: 0,
    crashed: 0,
    crashes: {},
    codes: {},
    byOperation: {},
    latencyMs: [],
  };
  const started = performance.now();
  const end = started + settings.seconds * 1000;
  const samples: { atS: number; rssMb: number }[] = [];
  const sampler = setInterval(() => {
    void facade.rss().then(
      (rss) => samples.push({ atS: Math.round((performance.now() - started) / 100) / 10, rssMb: mb(rss) }),
      () => undefined,
    );
  }, 1_000);
  const crashedProcess = facade.exited.then(
    ({ code, signal }) => `facade exited during the run (code ${code}, signal ${signal})`,
  );
  const progress = setInterval(
    () =>
      log(
        `  ${Math.round((performance.now() - started) / 1000)} s: ${tally.requests} requests, ${tally.crashed} crashed`,
      ),
    10_000,
  );

  const load = Promise.all(Array.from({ length: settings.clients }, () => client(facade.origin, tokens, end, tally)));
  const outcome = await Promise.race([load.then(() => null), crashedProcess]);
  clearInterval(progress);
  clearInterval(sampler);
  const finalRss = mb(await facade.rss().catch(() => 0));
  const elapsedS = (performance.now() - started) / 1000;

  // The server still answers after the run.
  const after = await fetch(`${facade.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0] ?? ''}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  }).then(
    (r) => r.status,
    () => 0,
  );
  await facade.stop();
  await sandbox.stop();

  const warm = samples.filter((s) => s.atS >= settings.warmupSeconds);
  const rssAfterWarmup = warm[0]?.rssMb ?? 0;
  const rssMaxAfterWarmup = Math.max(0, ...warm.map((s) => s.rssMb));
  const growth = Math.round((finalRss - rssAfterWarmup) * 10) / 10;
  const trend = Math.round(slopePerMinute(warm) * 10) / 10;
  const sorted = [...tally.latencyMs].sort((a, b) => a - b);
  const result = {
    date: new Date().toISOString(),
    command: 'npm run soak',
    settings,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      loadAverageAtEnd: loadavg().map((n) => Math.round(n * 100) / 100),
    },
    elapsedS: Math.round(elapsedS * 10) / 10,
    facadeProcess: outcome ?? 'alive throughout',
    answersAfterRun: after === 200,
    requests: tally.requests,
    requestsPerSecond: Math.round(tally.requests / elapsedS),
    ok: tally.ok,
    partial: tally.partial,
    failed: tally.failed,
    crashed: tally.crashed,
    crashes: tally.crashes,
    errorCodes: Object.fromEntries(Object.entries(tally.codes).sort(([, a], [, b]) => b - a)),
    latencyMs: {
      p50: Math.round(percentile(sorted, 50)),
      p95: Math.round(percentile(sorted, 95)),
      p99: Math.round(percentile(sorted, 99)),
      max: Math.round(sorted.at(-1) ?? 0),
    },
    upstream: {
      logicalCalls: upstream.calls,
      attempts: upstream.attempts,
      retries: upstream.retries,
      retryRatio: upstream.calls ? Math.round((upstream.retries / upstream.calls) * 1000) / 1000 : 0,
      failedFastByBreaker: upstream.failedFast,
      retryBudgetExhausted: upstream.budgetExhausted,
      outcomes: upstream.codes,
      breakerChanges: upstream.breakerChanges.length,
      logLines: upstream.logLines,
      badOrLeakingLogLines: upstream.badLogLines,
    },
    memory: {
      warmupSeconds: settings.warmupSeconds,
      rssAfterWarmupMb: rssAfterWarmup,
      rssMaxAfterWarmupMb: rssMaxAfterWarmup,
      rssEndMb: finalRss,
      rssGrowthMb: growth,
      rssTrendMbPerMinute: trend,
      boundMb: RSS_GROWTH_BOUND_MB,
      samples,
    },
  };
  const passed =
    tally.crashed === 0 &&
    outcome === null &&
    after === 200 &&
    growth <= RSS_GROWTH_BOUND_MB &&
    upstream.badLogLines === 0;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}soak-latest.json`, `${JSON.stringify({ ...result, passed }, null, 2)}\n`);
  writeFileSync(`${RESULTS}soak-latest.md`, renderMarkdown(result, passed));
  log(renderMarkdown(result, passed));
  process.exit(passed ? 0 : 1);
}

function renderMarkdown(
  r: {
    date: string;
    settings: Settings;
    machine: { cpu: string; cores: number; node: string; loadAverageAtEnd: number[] };
    elapsedS: number;
    requests: number;
    requestsPerSecond: number;
    ok: number;
    partial: number;
    failed: number;
    crashed: number;
    crashes: Record<string, number>;
    errorCodes: Record<string, number>;
    latencyMs: Record<string, number>;
    facadeProcess: string;
    answersAfterRun: boolean;
    upstream: {
      logicalCalls: number;
      attempts: number;
      retries: number;
      retryRatio: number;
      failedFastByBreaker: number;
      retryBudgetExhausted: number;
      breakerChanges: number;
      logLines: number;
      badOrLeakingLogLines: number;
    };
    memory: {
      warmupSeconds: number;
      rssAfterWarmupMb: number;
      rssMaxAfterWarmupMb: number;
      rssEndMb: number;
      rssGrowthMb: number;
      rssTrendMbPerMinute: number;
      boundMb: number;
    };
  },
  passed: boolean,
): string {
  const codes = Object.entries(r.errorCodes)
    .map(([code, n]) => `| ${code} | ${n} |`)
    .join('\n');
  return `# Soak — ${passed ? 'PASSED' : 'FAILED'}

${r.date} · \`npm run soak\` · ${r.settings.clients} clients × ${r.settings.seconds} s · ~${r.settings.faultRate * 100}% of upstream calls faulted (500/502/503/504/429/403/404, drop, malformed JSON, truncated, wrong shape, plus latency) · loopback · ${r.machine.cpu} (${r.machine.cores} cores, load ${r.machine.loadAverageAtEnd.join(' ')} at the end), Node ${r.machine.node}

| | |
|---|---|
| requests | ${r.requests} (${r.requestsPerSecond}/s over ${r.elapsedS} s) |
| all data | ${r.ok} |
| partial (some fields null + errors) | ${r.partial} |
| errors only | ${r.failed} |
| **crashed** (not valid GraphQL / undocumented code / no answer) | **${r.crashed}** ${r.crashed ? JSON.stringify(r.crashes) : ''} |
| facade process | ${r.facadeProcess}; answers after the run: ${r.answersAfterRun ? 'yes' : 'NO'} |
| latency p50 / p95 / p99 / max | ${r.latencyMs['p50']} / ${r.latencyMs['p95']} / ${r.latencyMs['p99']} / ${r.latencyMs['max']} ms |
| upstream calls (logical) / attempts / retries | ${r.upstream.logicalCalls} / ${r.upstream.attempts} / ${r.upstream.retries} (retries = ${(r.upstream.retryRatio * 100).toFixed(1)}% of calls) |
| breaker changes / failed fast / retry budget spent | ${r.upstream.breakerChanges} / ${r.upstream.failedFastByBreaker} / ${r.upstream.retryBudgetExhausted} |
| log lines (unparseable or holding a token) | ${r.upstream.logLines} (${r.upstream.badOrLeakingLogLines}) |
| facade RSS after ${r.memory.warmupSeconds} s warm-up → end (max) | ${r.memory.rssAfterWarmupMb} → ${r.memory.rssEndMb} MB (${r.memory.rssMaxAfterWarmupMb}); growth ${r.memory.rssGrowthMb} MB (bound ${r.memory.boundMb} MB), trend ${r.memory.rssTrendMbPerMinute} MB/min |

| error code (per GraphQL error) | count |
|---|---|
${codes}
`;
}

await main();
