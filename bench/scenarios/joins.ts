// Scenario 8: joins. A subscriptions table showing each subscription's customer, from the facade
// (`subscriptions(first: 50) { nodes { customer { name email } } }`) against what a REST client
// must do for the same screen: list subscriptions, then page the customer list until it has met
// every customer the page names. Cold (nothing kept) and warm (the caller's directory kept), with
// 50 ms of latency on every sandbox response.
import type { Pool } from 'undici';
import { serialRoundTrips } from '../admin.ts';
import type { ChildServer } from '../children.ts';
import type { ScenarioReport } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import {
  type BenchStack,
  createPool,
  graphqlCall,
  graphqlData,
  restCall,
  send,
  startFacade,
  startStack,
} from '../stack.ts';
import { median, ms, ratio, times } from '../stats.ts';

const LATENCY_MS = 50;
const CUSTOMERS = 300;
const FIRST = 50;
/** The documented default, and the largest page the contract allows for /partner/customer (no maximum is documented). */
const DOCUMENTED_PAGE = 40;
/** What the sandbox accepts (its other endpoints' cap); a REST client relying on it relies on undocumented behaviour. */
const SANDBOX_PAGE = 100;
const QUERY = `{ subscriptions(first: ${FIRST}) { nodes { customer { name email } } } }`;
const WARM_UP_RUNS = 30;

interface Candidate {
  name: string;
  run(): Promise<void>;
  calls: number | null;
  trips: number | null;
}

export const joins: Scenario = async ({ settings, log }) => {
  // A directory kept for ten minutes on the warm facade, so that no sample outlives it; none on the cold one.
  const stack = await startStack({
    sandbox: { customers: CUSTOMERS, invoices: 10, subscriptions: CUSTOMERS },
    facadeEnv: { CUSTOMER_DIRECTORY_TTL_MS: '600000' },
  });
  let cold: ChildServer | null = null;
  const pools: Pool[] = [];
  try {
    cold = await startFacade(stack.sandboxUrl, { CUSTOMER_DIRECTORY_TTL_MS: '0' });
    const pool = (origin: string) => {
      const created = createPool(origin, 1);
      pools.push(created);
      return created;
    };
    const rest = pool(stack.sandboxOrigin);
    const facadeCold = pool(String(cold.details['origin']));
    const facadeWarm = pool(stack.facadeOrigin);
    const operation = (facade: Pool) => async () =>
      void graphqlData(await send(facade, graphqlCall(stack.token, QUERY)));
    const candidates: Candidate[] = [
      {
        name: `REST: subscriptions, then customers at limit=${DOCUMENTED_PAGE} (documented)`,
        run: () => restScreen(rest, stack.token, DOCUMENTED_PAGE),
        calls: null,
        trips: null,
      },
      {
        name: `REST: subscriptions, then customers at limit=${SANDBOX_PAGE} (undocumented)`,
        run: () => restScreen(rest, stack.token, SANDBOX_PAGE),
        calls: null,
        trips: null,
      },
      {
        name: 'facade, cold (nothing kept: CUSTOMER_DIRECTORY_TTL_MS=0)',
        run: operation(facadeCold),
        calls: null,
        trips: null,
      },
      {
        name: 'facade, warm (the same screen again within the TTL)',
        run: operation(facadeWarm),
        calls: null,
        trips: null,
      },
    ];
    const firstVisit = await countCalls(stack, operation(facadeWarm)); // the warm facade's very first request
    for (let i = 0; i < WARM_UP_RUNS; i++) for (const c of candidates) await c.run();
    await stack.admin.setFaults([{ kind: 'latency', ms: LATENCY_MS }]);
    const samples: number[][] = candidates.map(() => []);
    try {
      for (const c of candidates) Object.assign(c, await countCalls(stack, c.run));
      for (let round = 0; round < settings.samples; round++) {
        for (const [i, c] of candidates.entries()) {
          const t0 = performance.now();
          await c.run();
          samples[i]?.push(performance.now() - t0);
        }
      }
    } finally {
      await stack.admin.setFaults([]);
    }
    log(`  cold ${candidates[2]?.calls} calls, warm ${candidates[3]?.calls} (first visit ${firstVisit.calls})`);
    return report(settings.samples, candidates, samples, firstVisit);
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    await cold?.stop();
    await stack.stop();
  }
};

async function countCalls(stack: BenchStack, run: () => Promise<void>) {
  await stack.admin.clearCalls();
  await run();
  const recorded = await stack.admin.calls();
  return { calls: recorded.length, trips: serialRoundTrips(recorded) };
}

async function getJson(pool: Pool, token: string, path: string): Promise<Record<string, unknown>> {
  const answer = await send(pool, restCall(token, path));
  if (answer.status !== 200) throw new Error(`GET ${path}: HTTP ${answer.status}`);
  return answer.json as Record<string, unknown>;
}

/** What a REST client does for the screen: one subscriptions page, then customer pages until each one is met. */
async function restScreen(pool: Pool, token: string, limit: number): Promise<void> {
  const page = await getJson(pool, token, `/api/partner/objects/subscription?limit=${FIRST}`);
  const items = page['items'] as { customer?: string }[];
  const wanted = new Set(items.flatMap((s) => (s.customer ? [s.customer] : [])));
  let next: string | undefined;
  do {
    const more = next ? `&queryMore=${encodeURIComponent(next)}` : '';
    const customers = await getJson(pool, token, `/api/partner/customer?limit=${limit}${more}`);
    for (const c of customers['items'] as { id: string }[]) wanted.delete(c.id);
    next = customers['queryMore'] as string | undefined;
  } while (wanted.size > 0 && next);
}

function report(
  sampleCount: number,
  candidates: Candidate[],
  samples: number[][],
  firstVisit: { calls: number; trips: number },
): ScenarioReport {
  const medians = samples.map((s) => median(s));
  const restDocumented = medians[0] ?? Number.NaN;
  const [, , cold, warm] = candidates;
  const coldBound = 1 + Math.ceil(CUSTOMERS / DOCUMENTED_PAGE);
  return {
    id: 'joins',
    title: '8. Joins',
    about:
      `\`${QUERY}\` (${CUSTOMERS} customers, ${FIRST} subscriptions naming customers across the whole list) against a REST client listing ` +
      `subscriptions and then paging customers until it has met every one, with ${LATENCY_MS} ms of latency on every sandbox response. ` +
      `After ${WARM_UP_RUNS} runs of each without latency (warm code), ${sampleCount} interleaved samples per candidate, one request at a time; ` +
      'wall time from the first send to the last byte. The cold facade keeps nothing (every operation is a first lookup); ' +
      "the warm one keeps each caller's directory, and its very first request is counted too.",
    available: true,
    tables: [
      {
        columns: [
          'candidate',
          'upstream calls',
          'serial round trips',
          'wall time (median)',
          'min',
          'max',
          'vs REST at limit=40',
        ],
        rows: candidates.map((c, i) => [
          c.name,
          String(c.calls ?? '?'),
          String(c.trips ?? '?'),
          ms(medians[i] ?? Number.NaN),
          ms(Math.min(...(samples[i] ?? []))),
          ms(Math.max(...(samples[i] ?? []))),
          times(ratio(medians[i] ?? Number.NaN, restDocumented)),
        ]),
      },
    ],
    targets: [
      {
        target: `cold: the subscriptions page plus at most ⌈${CUSTOMERS} / ${DOCUMENTED_PAGE}⌉ customer calls (${coldBound})`,
        measured: `${cold?.calls ?? '?'} calls (the warm facade's first request: ${firstVisit.calls})`,
        met: cold?.calls != null && cold.calls <= coldBound && firstVisit.calls <= coldBound,
        note: 'the walk stops at the page holding the last customer the screen names',
      },
      {
        target: 'warm: the subscriptions page alone, no customer call',
        measured: `${warm?.calls ?? '?'} call(s)`,
        met: warm?.calls === 1,
        note: "what the caller's walk read is kept for CUSTOMER_DIRECTORY_TTL_MS",
      },
    ],
    notes: [
      'The customer calls of a walk are one after another (each needs the token of the one before), for the facade and for a REST client alike.',
    ],
    data: { candidates: candidates.map((c, i) => ({ ...c, run: undefined, samplesMs: samples[i] })), firstVisit },
  };
}
