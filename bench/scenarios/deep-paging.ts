// Scenario 4: deep paging. Walking every invoice of a 10,000-invoice organisation through the
// facade, as a client pages with `after`, against walking the REST endpoint itself; with full
// upstream pages, with short ones (Zuora-style capped pages), and with trailing tokens (a last
// full page whose token leads to an empty page).
import type { Pool } from 'undici';
import type { SandboxOptions } from '../../src/sandbox/index.ts';
import { serialRoundTrips } from '../admin.ts';
import type { ScenarioReport, Table, TargetCheck } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { type BenchStack, createPool, graphqlCall, graphqlData, restCall, send, startStack } from '../stack.ts';
import { median, ms, ratio, times } from '../stats.ts';

const N = 10_000;
const UPSTREAM_CAP = 100;
const WALK_QUERY = `query($first: Int!, $after: String) { invoices(first: $first, after: $after) {
  nodes { id invoiceNumber invoiceDate amount currency status } pageInfo { hasNextPage endCursor } } }`;

interface Variant {
  name: string;
  sandbox: SandboxOptions;
  firsts: number[];
}

const VARIANTS: Variant[] = [
  { name: 'full pages', sandbox: {}, firsts: [250] },
  { name: 'short pages', sandbox: { shortInvoicePages: true }, firsts: [250] },
  { name: 'trailing tokens', sandbox: { trailingTokens: true }, firsts: [20, 100, 250] },
];

interface Walk {
  ids: string[];
  pages: number;
  ms: number;
}

interface CountedWalk {
  pages: number;
  calls: number;
  /** Serial upstream round trips of the first page, and the most any later page took. */
  firstPageTrips: number;
  laterPageMaxTrips: number;
  laterPageMaxCalls: number;
}

interface Measured {
  variant: string;
  first: number;
  nodes: number;
  facadeCalls: number;
  restCalls: number;
  restPageSize: number;
  counted: CountedWalk;
  facadeMs: number[];
  restMs: number[];
}

async function walkFacade(
  pool: Pool,
  token: string,
  first: number,
  onPage?: () => Promise<void>,
  afterPage?: () => Promise<void>,
): Promise<Walk> {
  const ids: string[] = [];
  let after: string | null = null;
  const t0 = performance.now();
  for (let pages = 1; pages <= N + 2; pages++) {
    await onPage?.();
    const data = graphqlData(await send(pool, graphqlCall(token, WALK_QUERY, { first, after })));
    await afterPage?.();
    const connection = data['invoices'] as {
      nodes: { id: string }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    for (const node of connection.nodes) ids.push(node.id);
    if (!connection.pageInfo.hasNextPage) return { ids, pages, ms: performance.now() - t0 };
    after = connection.pageInfo.endCursor;
  }
  throw new Error('the facade walk did not end');
}

async function walkRest(pool: Pool, token: string, pageSize = UPSTREAM_CAP): Promise<Walk> {
  const ids: string[] = [];
  let next: string | undefined;
  const t0 = performance.now();
  for (let pages = 1; pages <= N + 2; pages++) {
    const cursor = next === undefined ? '' : `&cursor=${encodeURIComponent(next)}`;
    const answer = await send(pool, restCall(token, `/api/partner/invoices?pageSize=${pageSize}${cursor}`));
    if (answer.status !== 200) throw new Error(`REST walk: HTTP ${answer.status}`);
    const body = answer.json as { invoices: { id: string }[]; nextPage?: string };
    for (const invoice of body.invoices) ids.push(invoice.id);
    next = body.nextPage;
    if (next === undefined) return { ids, pages, ms: performance.now() - t0 };
  }
  throw new Error('the REST walk did not end');
}

function sameWalk(walk: Walk, truth: Walk, what: string): void {
  if (walk.ids.length !== N || walk.ids.join() !== truth.ids.join()) {
    throw new Error(`${what}: the walk (${walk.ids.length} nodes) differs from the REST walk (${truth.ids.length})`);
  }
}

async function countedWalk(stack: BenchStack, pool: Pool, first: number, rest: Walk): Promise<CountedWalk> {
  const perPage: { calls: number; trips: number }[] = [];
  const walk = await walkFacade(
    pool,
    stack.token,
    first,
    () => stack.admin.clearCalls(),
    async () => {
      const calls = await stack.admin.calls();
      perPage.push({ calls: calls.length, trips: serialRoundTrips(calls) });
    },
  );
  sameWalk(walk, rest, `first: ${first}`);
  const later = perPage.slice(1);
  return {
    pages: walk.pages,
    calls: perPage.reduce((n, p) => n + p.calls, 0),
    firstPageTrips: perPage[0]?.trips ?? 0,
    laterPageMaxTrips: Math.max(0, ...later.map((p) => p.trips)),
    laterPageMaxCalls: Math.max(0, ...later.map((p) => p.calls)),
  };
}

async function measureVariant(variant: Variant, rounds: number, log: (line: string) => void): Promise<Measured[]> {
  const stack = await startStack({ sandbox: { invoices: N, customers: 20, subscriptions: 20, ...variant.sandbox } });
  const facade = createPool(stack.facadeOrigin, 1);
  const rest = createPool(stack.sandboxOrigin, 1);
  try {
    const truth = await walkRest(rest, stack.token);
    const results: Measured[] = [];
    for (const first of variant.firsts) {
      // The REST floor pages as the facade must: min(first, 100) at a time.
      const pageSize = Math.min(first, UPSTREAM_CAP);
      const restWalk = await walkRest(rest, stack.token, pageSize);
      sameWalk(restWalk, truth, `REST pageSize ${pageSize}`);
      const counted = await countedWalk(stack, facade, first, truth);
      const facadeMs: number[] = [];
      const restMs: number[] = [];
      let facadeCalls = counted.calls;
      for (let round = 0; round < rounds; round++) {
        await stack.admin.clearCalls();
        const walk = await walkFacade(facade, stack.token, first);
        facadeCalls = Math.max(facadeCalls, (await stack.admin.calls()).length);
        sameWalk(walk, truth, `first: ${first}`);
        facadeMs.push(walk.ms);
        restMs.push((await walkRest(rest, stack.token, pageSize)).ms);
      }
      log(
        `  ${variant.name}, first: ${first}: ${facadeCalls} upstream calls (REST walk ${restWalk.pages}), facade ${ms(median(facadeMs))} vs REST ${ms(median(restMs))}`,
      );
      results.push({
        variant: variant.name,
        first,
        nodes: truth.ids.length,
        facadeCalls,
        restCalls: restWalk.pages,
        restPageSize: pageSize,
        counted,
        facadeMs,
        restMs,
      });
    }
    return results;
  } finally {
    await Promise.all([facade.close(), rest.close()]);
    await stack.stop();
  }
}

function callBound(m: Measured): number {
  return Math.ceil(m.nodes / Math.min(m.first, UPSTREAM_CAP)) + 1;
}

function targetsFor(m: Measured): TargetCheck[] {
  const label = `${m.variant}, first: ${m.first}`;
  if (m.variant === 'short pages') {
    return [
      {
        target: `${label}: no more upstream calls than the REST walk + 1`,
        measured: `${m.facadeCalls} vs ${m.restCalls} REST calls`,
        met: m.facadeCalls <= m.restCalls + 1,
        note: `pages hold 1..100 invoices, so one call per 100 invoices (${Math.ceil(m.nodes / UPSTREAM_CAP) + 1}) is out of reach for any client; the facade follows the same tokens`,
      },
    ];
  }
  const checks: TargetCheck[] = [
    {
      target: `${label}: at most ceil(N/min(F,100))+1 = ${callBound(m)} upstream calls`,
      measured: `${m.facadeCalls} calls for ${m.nodes} invoices`,
      met: m.facadeCalls <= callBound(m),
      note: `the REST walk itself takes ${m.restCalls} calls`,
    },
  ];
  if (m.first <= UPSTREAM_CAP) {
    checks.push({
      target: `${label}: one upstream round trip per page after the first`,
      measured: `at most ${m.counted.laterPageMaxTrips} (first page ${m.counted.firstPageTrips})`,
      met: m.counted.laterPageMaxTrips <= 1,
      note: 'the look-ahead page fetched for exact hasNextPage is kept and serves the next page',
    });
  }
  return checks;
}

export const deepPaging: Scenario = async ({ settings, log }) => {
  const measured: Measured[] = [];
  for (const variant of VARIANTS) measured.push(...(await measureVariant(variant, settings.walkRounds, log)));
  const table: Table = {
    columns: [
      'upstream',
      'first',
      'facade pages',
      'upstream calls',
      'bound',
      'REST walk: pageSize, calls',
      'round trips: first page / later max',
      'facade walk',
      'REST walk',
      'time vs REST',
    ],
    rows: measured.map((m) => [
      m.variant,
      String(m.first),
      String(m.counted.pages),
      String(m.facadeCalls),
      m.variant === 'short pages' ? `≤ ${m.restCalls + 1}` : `≤ ${callBound(m)}`,
      `${m.restPageSize}, ${m.restCalls}`,
      `${m.counted.firstPageTrips} / ${m.counted.laterPageMaxTrips}`,
      ms(median(m.facadeMs)),
      ms(median(m.restMs)),
      times(ratio(median(m.facadeMs), median(m.restMs))),
    ]),
  };
  const report: ScenarioReport = {
    id: 'deep-paging',
    title: '4. Deep paging',
    about:
      `Every invoice of a ${N.toLocaleString('en')}-invoice organisation, walked through the facade (\`invoices(first: F, after: …)\`, six fields) ` +
      `and over REST (\`pageSize=min(F, 100)\`, following \`nextPage\`), one request at a time, ${settings.walkRounds} interleaved round(s). ` +
      'Both walks are checked to yield the same invoices in the same order. Upstream calls per facade page come from a separate counted walk.',
    available: true,
    tables: [table],
    targets: measured.flatMap(targetsFor),
    notes: [
      'For F > 100 a facade page needs several upstream pages (the upstream caps pages at 100), fetched one after another because each needs the previous token.',
      'The REST walk is the floor: the client parses the same pages itself, with no GraphQL and no cursor signing.',
    ],
    data: { n: N, measured },
  };
  return report;
};
