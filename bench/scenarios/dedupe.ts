// Scenario 3: dedupe. The same connection under ten aliases must reach the upstream once.
import type { RecordedCall } from '../../src/sandbox/index.ts';
import type { ScenarioReport } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { createPool, graphqlCall, graphqlData, send } from '../stack.ts';
import { median, ms, ratio, times } from '../stats.ts';

const ALIASES = 10;
const aliased = (field: string) => `{ ${Array.from({ length: ALIASES }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
// Page sizes no other scenario asks for, so that the counted run starts cold (no kept page).
const CUSTOMERS = 'customers(first: 19) { nodes { id name email } }';
const INVOICES = 'invoices(first: 19) { nodes { id invoiceNumber amount } }';

interface Case {
  name: string;
  query: string;
  /** Upstream calls the case must make at most: one per distinct upstream page. */
  expected: number;
  why: string;
}

const CASES: Case[] = [
  { name: 'customers, once', query: `{ ${CUSTOMERS} }`, expected: 1, why: 'one page' },
  { name: `customers under ${ALIASES} aliases`, query: aliased(CUSTOMERS), expected: 1, why: 'one page, fetched once' },
  {
    name: 'invoices, once',
    query: `{ ${INVOICES} }`,
    expected: 2,
    why: 'the page and its look-ahead (exact hasNextPage)',
  },
  {
    name: `invoices under ${ALIASES} aliases`,
    query: aliased(INVOICES),
    expected: 2,
    why: 'the page and its look-ahead, each fetched once',
  },
];

const distinct = (calls: readonly RecordedCall[]) =>
  new Set(calls.map((c) => `${c.endpoint} ${JSON.stringify(c.query)}`)).size;

export const dedupe: Scenario = async ({ settings, mainStack }) => {
  const stack = await mainStack();
  const pool = createPool(stack.facadeOrigin, 1);
  const counted: { calls: number; distinct: number }[] = [];
  const samples: number[][] = CASES.map(() => []);
  try {
    for (const c of CASES) {
      await stack.admin.clearCalls();
      graphqlData(await send(pool, graphqlCall(stack.token, c.query)));
      const calls = await stack.admin.calls();
      counted.push({ calls: calls.length, distinct: distinct(calls) });
    }
    for (let round = 0; round < settings.samples; round++) {
      for (const [i, c] of CASES.entries()) {
        const answer = await send(pool, graphqlCall(stack.token, c.query));
        graphqlData(answer);
        samples[i]?.push(answer.ms);
      }
    }
  } finally {
    await pool.close();
  }
  const medians = samples.map((s) => median(s));
  const aliasedCustomers = counted[1];
  const aliasedInvoices = counted[3];
  const report: ScenarioReport = {
    id: 'dedupe',
    title: '3. Dedupe',
    about:
      `The same connection under ${ALIASES} aliases in one operation, against the connection once: upstream calls from the sandbox's call record ` +
      `(each operation's first run), and the wall time of the operation (no added latency, ${settings.samples} samples).`,
    available: true,
    tables: [
      {
        columns: [
          'operation',
          'upstream calls',
          'distinct upstream requests',
          'expected',
          'wall time (median)',
          'vs once',
        ],
        rows: CASES.map((c, i) => [
          c.name,
          String(counted[i]?.calls ?? '?'),
          String(counted[i]?.distinct ?? '?'),
          `${c.expected} (${c.why})`,
          ms(medians[i] ?? Number.NaN),
          times(ratio(medians[i] ?? Number.NaN, medians[i - (i % 2)] ?? Number.NaN)),
        ]),
      },
    ],
    targets: [
      {
        target: `customers(first: 19) under ${ALIASES} aliases: 1 upstream call`,
        measured: `${aliasedCustomers?.calls ?? '?'} call(s)`,
        met: aliasedCustomers?.calls === 1,
        note: 'the pager dedupes identical upstream page fetches within a request',
      },
      {
        target: `invoices(first: 19) under ${ALIASES} aliases: each upstream page once`,
        measured: `${aliasedInvoices?.calls ?? '?'} calls, ${aliasedInvoices?.distinct ?? '?'} distinct`,
        met:
          aliasedInvoices !== undefined &&
          aliasedInvoices.calls === aliasedInvoices.distinct &&
          aliasedInvoices.calls <= 2,
        note: 'invoices cost a page plus a look-ahead page (exact hasNextPage), shared by all aliases',
      },
    ],
    notes: [],
    data: { cases: CASES.map((c, i) => ({ ...c, ...counted[i], samplesMs: samples[i] })) },
  };
  return report;
};
