// Scenario 8: a Redis outage. The facade on a redis-server of the scenario's own (rate limits,
// kept pages and download tickets all in it) under closed-loop load: p50/p99 with Redis up, then
// with it stopped, then hung (SIGSTOP: connections stay open, nothing answers), then back.
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

type Phase = 'Redis up' | 'Redis stopped' | 'Redis hung (SIGSTOP)' | 'Redis back';

interface PhaseResult {
  phase: Phase;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers that were not 200 with every invoice (a null pdfUrl with DOWNLOADS_UNAVAILABLE is expected while down). */
  bad: number;
  firstBad: string | null;
  redisUp: number | null;
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

export const redisOutage: Scenario = async ({ settings, log }) => {
  const redis: PrivateRedis = await startPrivateRedis();
  const stack = await startStack({
    sandbox: { customers: 50, invoices: 1_000, subscriptions: 50 },
    facadeEnv: { ...BENCH_FACADE_ENV, REDIS_URL: redis.url },
  });
  const pool = createPool(stack.facadeOrigin, settings.workers);
  const results: PhaseResult[] = [];
  try {
    const cursors = await pageCursors(stack);
    let next = 0;
    const call = () => graphqlCall(stack.token, QUERY, { first: FIRST, after: cursors[next++ % cursors.length] });
    const measure = async (phase: Phase, durationMs: number) => {
      const run = await runLoad({
        pool,
        workers: settings.workers,
        durationMs,
        maxRequests: settings.maxRequestsPerWindow,
        call,
        check,
        checkEvery: 1,
      });
      const result: PhaseResult = {
        phase,
        requests: run.requests,
        reqPerSec: (run.requests / run.elapsedMs) * 1000,
        p50: percentile(run.latenciesMs, 50),
        p99: percentile(run.latenciesMs, 99),
        max: Math.max(...run.latenciesMs),
        bad: run.errors,
        firstBad: run.firstError,
        redisUp: await redisUp(stack),
      };
      log(
        `  ${phase}: ${result.requests} requests, p50 ${ms(result.p50)}, p99 ${ms(result.p99)}, max ${ms(result.max)}, ${result.bad} bad`,
      );
      return result;
    };
    const phaseMs = settings.windowMs * Math.max(1, Math.floor(settings.rounds / 2));
    await measure('Redis up', settings.warmupMs);
    results.push(await measure('Redis up', phaseMs));
    await redis.stop();
    results.push(await measure('Redis stopped', phaseMs));
    await redis.start();
    await measure('Redis back', settings.warmupMs);
    redis.pause();
    results.push(await measure('Redis hung (SIGSTOP)', phaseMs));
    redis.resume();
    await measure('Redis back', settings.warmupMs);
    results.push(await measure('Redis back', phaseMs));
  } finally {
    await pool.close();
    await stack.stop();
    await redis.close();
  }
  return report(results, settings.workers);
};

function report(results: PhaseResult[], workers: number): ScenarioReport {
  const up = results[0];
  const outage = results.filter((r) => r.phase === 'Redis stopped' || r.phase === 'Redis hung (SIGSTOP)');
  const worst = Math.max(...outage.map((r) => r.p99));
  const bound = (up?.p99 ?? Number.NaN) + COMMAND_TIMEOUT_MS;
  const met = worst <= bound && outage.every((r) => r.bad === 0);
  return {
    id: 'redis-outage',
    title: '8. Redis outage',
    about:
      `The facade (built, as start:prod) on a redis-server of the scenario's own, holding rate limits, kept pages and download tickets; ` +
      `${workers} closed-loop clients page through invoices (first: ${FIRST}, ${PAGES} pages in turn, each invoice with pdfUrl). ` +
      'One window each: Redis up, Redis stopped, Redis hung (SIGSTOP: the connection stays open and nothing answers), Redis back. ' +
      'While Redis is down every answer must still carry its invoices, each pdfUrl null with DOWNLOADS_UNAVAILABLE.',
    available: true,
    tables: [
      {
        columns: ['phase', 'requests', 'req/s', 'p50', 'p99', 'max', 'bad answers', 'partner_graph_redis_up after'],
        rows: results.map((r) => [
          r.phase,
          String(r.requests),
          r.reqPerSec.toFixed(0),
          ms(r.p50),
          ms(r.p99),
          ms(r.max),
          String(r.bad),
          String(r.redisUp ?? '—'),
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
    notes: results.filter((r) => r.firstBad).map((r) => `${r.phase}: ${r.firstBad}`),
    data: { results },
  };
}
