// Scenario 9: a Redis outage. The facade on a redis-server of the scenario's own (rate limits,
// kept pages and download tickets all in it) under closed-loop load: p50/p99 with Redis up, stopped
// and hung (SIGSTOP: connections stay open, nothing answers), and how soon the facade sees it back.
import { type PrivateRedis, startPrivateRedis } from '../../test/support/redis-server.ts';
import { runLoad } from '../load.ts';
import type { ScenarioReport } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { BENCH_FACADE_ENV, type BenchStack, createPool, graphqlCall, graphqlData, send, startStack } from '../stack.ts';
import { ms, percentile } from '../stats.ts';

const FIRST = 20;
const PAGES = 10;
const QUERY = `query($first: Int!, $after: String) { invoices(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { id invoiceNumber amount pdfUrl } } }`;
/** The facade's REDIS_COMMAND_TIMEOUT_MS default: the most a request may wait on Redis, once, when it hangs. */
const COMMAND_TIMEOUT_MS = 250;

type Phase = 'Redis up' | 'Redis stopped' | 'Redis hung (SIGSTOP)';
const PHASES: Phase[] = ['Redis up', 'Redis stopped', 'Redis hung (SIGSTOP)'];

interface Window {
  requests: number;
  elapsedMs: number;
  latenciesMs: number[];
  /** Answers that were not 200 with every invoice (a null pdfUrl with DOWNLOADS_UNAVAILABLE is expected while down). */
  bad: number;
  firstBad: string | null;
}

interface PhaseResult {
  phase: Phase;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  bad: number;
  firstBad: string | null;
}

/** Every invoice arrives; each pdfUrl is a link, or null with DOWNLOADS_UNAVAILABLE at its path. */
function check(_status: number, body: string): string | null {
  const parsed = JSON.parse(body) as {
    data?: { invoices?: { nodes?: { pdfUrl: string | null }[] } };
    errors?: { extensions?: { code?: string } }[];
  };
  const nodes = parsed.data?.invoices?.nodes ?? [];
  if (nodes.length !== FIRST) return `expected ${FIRST} invoices, got ${body.slice(0, 160)}`;
  const unexpected = (parsed.errors ?? []).find((e) => e.extensions?.code !== 'DOWNLOADS_UNAVAILABLE');
  if (unexpected) return `unexpected error: ${JSON.stringify(unexpected).slice(0, 160)}`;
  return nodes.filter((n) => n.pdfUrl === null).length === (parsed.errors ?? []).length
    ? null
    : 'links and errors differ';
}

/** The endCursors of the first PAGES pages, so the load pages on as clients do (kept pages taken and kept). */
async function pageCursors(stack: BenchStack): Promise<(string | null)[]> {
  const pool = createPool(stack.facadeOrigin, 1);
  const cursors: (string | null)[] = [null];
  try {
    while (cursors.length < PAGES) {
      const data = graphqlData(
        await send(pool, graphqlCall(stack.token, QUERY, { first: FIRST, after: cursors.at(-1) })),
      );
      cursors.push((data['invoices'] as { pageInfo: { endCursor: string } }).pageInfo.endCursor);
    }
  } finally {
    await pool.close();
  }
  return cursors;
}

async function redisUp(stack: BenchStack): Promise<number | null> {
  const text = await (await fetch(`${stack.facadeOrigin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('partner_graph_redis_up '));
  return line ? Number(line.split(' ')[1]) : null;
}

/** Milliseconds until the facade reports Redis up again (polled every 50 ms, at most 30 s); NaN for a facade without the gauge. */
async function recovery(stack: BenchStack): Promise<number> {
  const started = performance.now();
  for (let up = await redisUp(stack); up !== 1; up = await redisUp(stack)) {
    if (up === null) return Number.NaN;
    if (performance.now() - started > 30_000) throw new Error('Redis was not back within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return performance.now() - started;
}

function summarise(phase: Phase, windows: readonly Window[]): PhaseResult {
  const latencies = windows.flatMap((w) => w.latenciesMs);
  const requests = latencies.length;
  const elapsed = windows.reduce((total, w) => total + w.elapsedMs, 0);
  return {
    phase,
    requests,
    reqPerSec: (requests / elapsed) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    bad: windows.reduce((total, w) => total + w.bad, 0),
    firstBad: windows.find((w) => w.firstBad)?.firstBad ?? null,
  };
}

export const redisOutage: Scenario = async ({ settings, log }) => {
  const redis: PrivateRedis = await startPrivateRedis();
  const stack = await startStack({
    sandbox: { customers: 50, invoices: 1_000, subscriptions: 50 },
    facadeEnv: { ...BENCH_FACADE_ENV, REDIS_URL: redis.url },
  });
  const pool = createPool(stack.facadeOrigin, settings.workers);
  const windows = new Map<Phase, Window[]>(PHASES.map((phase) => [phase, []]));
  const recoveries: number[] = [];
  try {
    const cursors = await pageCursors(stack);
    let next = 0;
    const call = () => graphqlCall(stack.token, QUERY, { first: FIRST, after: cursors[next++ % cursors.length] });
    const measure = async (durationMs: number): Promise<Window> => {
      const load = { workers: settings.workers, maxRequests: settings.maxRequestsPerWindow, checkEvery: 1 };
      const run = await runLoad({ pool, durationMs, call, check, ...load });
      return { ...run, bad: run.errors, firstBad: run.firstError };
    };
    const record = async (phase: Phase) => {
      const window = await measure(settings.windowMs);
      windows.get(phase)?.push(window);
      log(`  ${phase}: ${window.requests} requests, p99 ${ms(percentile(window.latenciesMs, 99))}, ${window.bad} bad`);
    };
    await measure(settings.warmupMs);
    // Interleaved rounds, as in the other load scenarios: a noisy neighbour hits every phase alike.
    for (let round = 0; round < Math.max(1, Math.floor(settings.rounds / 2)); round++) {
      await record('Redis up');
      await redis.stop();
      await record('Redis stopped');
      await redis.start();
      recoveries.push(await recovery(stack));
      redis.pause();
      await record('Redis hung (SIGSTOP)');
      redis.resume();
      recoveries.push(await recovery(stack));
    }
  } finally {
    await pool.close();
    await stack.stop();
    await redis.close();
  }
  return report(
    PHASES.map((phase) => summarise(phase, windows.get(phase) ?? [])),
    recoveries,
    settings.workers,
  );
};

function report(results: PhaseResult[], recoveries: number[], workers: number): ScenarioReport {
  const up = results[0];
  const outage = results.filter((r) => r.phase === 'Redis stopped' || r.phase === 'Redis hung (SIGSTOP)');
  const worst = Math.max(...outage.map((r) => r.p99));
  const bound = (up?.p99 ?? Number.NaN) + COMMAND_TIMEOUT_MS;
  const met = worst <= bound && outage.every((r) => r.bad === 0);
  return {
    id: 'redis-outage',
    title: '9. Redis outage',
    about:
      `The facade (built, as start:prod) on a redis-server of the scenario's own, holding rate limits, kept pages and download tickets; ` +
      `${workers} closed-loop clients page through invoices (first: ${FIRST}, ${PAGES} pages in turn, each invoice with pdfUrl). ` +
      'Interleaved rounds of one window each: Redis up, Redis stopped (then started again), Redis hung (SIGSTOP: the connection stays open and nothing answers; then SIGCONT). ' +
      'While Redis is down every answer must still carry its invoices, each pdfUrl null with DOWNLOADS_UNAVAILABLE.',
    available: true,
    tables: [
      {
        columns: ['phase', 'requests', 'req/s', 'p50', 'p99', 'max', 'bad answers'],
        rows: results.map((r) => [
          r.phase,
          String(r.requests),
          r.reqPerSec.toFixed(0),
          ms(r.p50),
          ms(r.p99),
          ms(r.max),
          String(r.bad),
        ]),
      },
    ],
    targets: [
      {
        target: `no answer waits on Redis: p99 during the outage ≤ p99 with Redis up + ${COMMAND_TIMEOUT_MS} ms, every answer with its invoices`,
        measured: `${ms(worst)} vs ${ms(up?.p99 ?? Number.NaN)} + ${COMMAND_TIMEOUT_MS} ms`,
        met,
        note:
          'while down, each page costs one more upstream call (nothing kept) and each pdfUrl an error; ' +
          `on a hung Redis the requests in flight wait one command timeout (${COMMAND_TIMEOUT_MS} ms) before the breaker opens`,
      },
    ],
    notes: [
      `Back (partner_graph_redis_up 1 again) after a restart or SIGCONT within ${recoveries.map((r) => ms(r)).join(', ')}.`,
      ...results.filter((r) => r.firstBad).map((r) => `${r.phase}: ${r.firstBad}`),
    ],
    data: { results, recoveriesMs: recoveries },
  };
}
