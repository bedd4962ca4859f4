// Scenario 2: one round trip. Customers, invoices and subscriptions in one GraphQL operation,
// against the three REST calls a client would make itself (in sequence, and in parallel), with
// 50 ms of latency on every sandbox response.
import { serialRoundTrips } from '../admin.ts';
import type { ScenarioReport } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { type Answer, createPool, graphqlCall, graphqlData, restCall, send } from '../stack.ts';
import { median, ms, ratio, times } from '../stats.ts';

const LATENCY_MS = 50;
const TARGET = 1.2;
const QUERY = `query($first: Int!) {
  customers(first: $first) { nodes { id name email } }
  invoices(first: $first) { nodes { id invoiceNumber amount currency status } }
  subscriptions(first: $first) { nodes { id name status } }
}`;
const restPaths = (first: number) => ({
  customers: `/api/partner/customer?limit=${first}`,
  invoices: `/api/partner/invoices?pageSize=${first}`,
  subscriptions: `/api/partner/objects/subscription?limit=${first}`,
});
/**
 * Page sizes no other scenario asks for. Each sample takes the next, so the facade has never seen
 * it: no look-ahead page kept from an earlier request can help (a first visit). `REPEAT_FIRST`
 * is asked again and again: the look-ahead page kept from the last request then serves.
 */
const COLD_FIRSTS_FROM = 30;
const REPEAT_FIRST = 29;
/** Operations each of the parallel REST calls and the facade runs, without latency, before measuring. */
const WARM_UP_RUNS = 300;

interface RoundTripCandidate {
  name: string;
  /** Upstream calls and how many of them are one after another. */
  calls: number | null;
  trips: number | null;
  run(first: number): Promise<void>;
}

export const roundTrip: Scenario = async ({ settings, log, mainStack }) => {
  const stack = await mainStack();
  const rest = createPool(stack.sandboxOrigin, 3);
  const facade = createPool(stack.facadeOrigin, 1);
  const ok = (answer: Answer) => {
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.json).slice(0, 200)}`);
  };
  const get = async (path: string) => ok(await send(rest, restCall(stack.token, path)));
  const operation = async (first: number) =>
    void graphqlData(await send(facade, graphqlCall(stack.token, QUERY, { first })));
  const candidates: RoundTripCandidate[] = [
    { name: 'customers alone (REST)', calls: 1, trips: 1, run: (first) => get(restPaths(first).customers) },
    { name: 'invoices alone (REST)', calls: 1, trips: 1, run: (first) => get(restPaths(first).invoices) },
    { name: 'subscriptions alone (REST)', calls: 1, trips: 1, run: (first) => get(restPaths(first).subscriptions) },
    {
      name: 'three REST calls in sequence',
      calls: 3,
      trips: 3,
      run: async (first) => {
        for (const path of Object.values(restPaths(first))) await get(path);
      },
    },
    {
      name: 'three REST calls in parallel',
      calls: 3,
      trips: 1,
      run: async (first) => void (await Promise.all(Object.values(restPaths(first)).map(get))),
    },
    { name: 'facade: one operation (first visit)', calls: null, trips: null, run: operation },
    {
      name: 'facade: the same operation again within 30 s',
      calls: null,
      trips: null,
      run: () => operation(REPEAT_FIRST),
    },
  ];
  const cold = candidates[5];
  const repeat = candidates[6];
  const samples: number[][] = candidates.map(() => []);
  const count = async (candidate: RoundTripCandidate | undefined, first: number) => {
    if (!candidate) return;
    await stack.admin.clearCalls();
    await candidate.run(first);
    const recorded = await stack.admin.calls();
    candidate.calls = recorded.length;
    candidate.trips = serialRoundTrips(recorded);
  };
  // Warm the code, not the data: every candidate's path runs often enough for V8 to optimise it (a
  // facade in service is warm; a cold one measures the interpreter), before any latency is added.
  // Page sizes below the cold range, so nothing kept by the warm-up can serve a sample.
  for (let i = 0; i < WARM_UP_RUNS; i++) {
    for (const candidate of [candidates[4], candidates[5]]) await candidate?.run(COLD_FIRSTS_FROM - 10 + (i % 10));
  }
  await stack.admin.setFaults([{ kind: 'latency', ms: LATENCY_MS }]);
  try {
    // Warm-up with latency (page sizes below the cold range, so nothing is kept for it).
    for (const candidate of candidates) for (let i = 0; i < 2; i++) await candidate.run(COLD_FIRSTS_FROM - 10 + i);
    await count(cold, COLD_FIRSTS_FROM - 5);
    await count(repeat, REPEAT_FIRST);
    for (let round = 0; round < settings.samples; round++) {
      for (const [i, candidate] of candidates.entries()) {
        const t0 = performance.now();
        await candidate.run(COLD_FIRSTS_FROM + round);
        samples[i]?.push(performance.now() - t0);
      }
    }
  } finally {
    await stack.admin.setFaults([]);
    await Promise.all([rest.close(), facade.close()]);
  }

  const medians = samples.map((s) => median(s));
  const slowestSingle = Math.max(...medians.slice(0, 3));
  const facadeMedian = medians[5] ?? Number.NaN;
  const repeatMedian = medians[6] ?? Number.NaN;
  const facadeRatio = ratio(facadeMedian, slowestSingle);
  const repeatRatio = ratio(repeatMedian, slowestSingle);
  log(
    `  facade ${ms(facadeMedian)} (again: ${ms(repeatMedian)}) vs slowest single call ${ms(slowestSingle)}: ${times(facadeRatio)}`,
  );
  const trips = (c: RoundTripCandidate | undefined) =>
    `${c?.calls ?? '?'} upstream calls in ${c?.trips ?? '?'} serial round trips`;
  const upstream = trips(cold);
  const report: ScenarioReport = {
    id: 'round-trip',
    title: '2. One round trip',
    about:
      `\`customers(first: 20)\`, \`invoices(first: 20)\` and \`subscriptions(first: 20)\` in one operation, against the three REST calls ` +
      `in sequence and in parallel, with ${LATENCY_MS} ms of latency added to every sandbox response. After ${WARM_UP_RUNS} runs of the parallel REST calls and of the operation without latency (warm code: a cold facade measures V8's interpreter), one request at a time, ` +
      `${settings.samples} interleaved samples per candidate; wall time from send to last byte. Each sample uses a page size (first/limit ${COLD_FIRSTS_FROM}, ${COLD_FIRSTS_FROM + 1}, …) ` +
      'the facade has not seen, so the first-visit row is a cold operation; the last row repeats one operation, whose look-ahead page the facade has kept from the time before.',
    available: true,
    tables: [
      {
        columns: [
          'candidate',
          'wall time (median)',
          'min',
          'max',
          'vs slowest single call',
          'upstream calls',
          'serial round trips',
        ],
        rows: candidates.map((c, i) => [
          c.name,
          ms(medians[i] ?? Number.NaN),
          ms(Math.min(...(samples[i] ?? []))),
          ms(Math.max(...(samples[i] ?? []))),
          times(ratio(medians[i] ?? Number.NaN, slowestSingle)),
          String(c.calls ?? '?'),
          String(c.trips ?? '?'),
        ]),
      },
    ],
    targets: [
      {
        target: 'one operation within 1.2× of the slowest single REST call (first visit)',
        measured: `${ms(facadeMedian)} vs ${ms(slowestSingle)} = ${times(facadeRatio)}`,
        met: facadeRatio <= TARGET,
        note:
          facadeRatio <= TARGET
            ? `${upstream}; the three root fields run concurrently`
            : `${upstream}: invoices and subscriptions make hasNextPage exact by looking ahead one upstream page, which needs the first page's token, so it is a second round trip after the first (repeated within 30 s the look-ahead page is kept: ${times(repeatRatio)}). ` +
              'Asking the upstream for first + 1 records removes that round trip (measured, not applied: bench/results/optimisations.md)',
      },
    ],
    notes: [`First visit: ${upstream}. Again within 30 s: ${trips(repeat)}.`],
    data: {
      latencyMs: LATENCY_MS,
      candidates: candidates.map((c, i) => ({ name: c.name, calls: c.calls, trips: c.trips, samplesMs: samples[i] })),
      facadeRatio,
      repeatRatio,
    },
  };
  return report;
};
