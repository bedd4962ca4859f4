import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterValues, type Lane, lastRequestLine, operationSeries, post, startLane } from '../support/compare.ts';

// Compiled operation plans (src/graphql/plan/) must answer exactly as full execution does. Two
// facades, one with plans and one without (`operationPlans: false`), each in front of its own
// identical sandbox, get the same requests; status, headers, the body byte for byte, the upstream
// calls, the log line and the metrics must match, and the executor that answered must be the expected one.

interface Exchange {
  status: number;
  headers: Record<string, string>;
  text: string;
}

type Executor = 'plan' | 'fallback' | 'full';

const startPlanLane = (plans: boolean, env: Record<string, string> = {}) => startLane(env, { operationPlans: plans });

/** An answer, with what differs between two facades by design made alike: download links carry a random ticket and the facade's own port. */
async function send(lane: Lane, body: unknown, headers: Record<string, string> = {}): Promise<Exchange> {
  const { status, headers: picked, text } = await post(lane, body, headers);
  const alike = text
    .replaceAll(lane.stack.origin, 'http://facade')
    .replace(/\/downloads\/invoices\/[\w-]+\.pdf/g, '/downloads/invoices/TICKET.pdf');
  return { status, headers: picked, text: alike };
}

const executors = (lane: Lane) =>
  counterValues(lane, 'partner_graph_graphql_operations_by_executor_total', 'executor', [
    'plan',
    'fallback',
    'full',
  ] as const);

const CUSTOMERS =
  'query Customers($first: Int, $after: String) { customers(first: $first, after: $after) { totalCount nodes { id name email } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }';
const EDGES = `{ customers(first: 5) {
  edges { cursor node { id name firstName lastName email createdAt updatedAt extra } }
  pageInfo { hasNextPage endCursor } } }`;
const OVERVIEW = `query Overview {
  customers(first: 3) { nodes { id name } }
  invoices(first: 3) { nodes { id invoiceNumber accountId invoiceDate dueDate amount balance currency status extra } pageInfo { hasNextPage } }
  subscriptions(first: 3) { nodes { id name status startDate customerId owner createdAt updatedAt data extra } }
}`;
const FRAGMENTS = `query WithFragments { customers(first: 4) { ...Page } }
fragment Page on CustomerConnection { __typename totalCount nodes { ...Who ... on Customer { email } id } }
fragment Who on Customer { id name __typename }`;

type Case = [label: string, body: unknown, headers: Record<string, string>, executor: Executor | null];

const CASES: Case[] = [
  ['nodes with variables', { query: CUSTOMERS, variables: { first: 5 } }, {}, 'plan'],
  ['nodes with the default first', { query: CUSTOMERS }, {}, 'plan'],
  ['edges, cursors and every customer field', { query: EDGES }, {}, 'plan'],
  ['three root fields with every scalar kind', { query: OVERVIEW }, {}, 'plan'],
  ['fragments, repeated fields and __typename', { query: FRAGMENTS }, {}, 'plan'],
  [
    'aliases, the same connection twice, a field selected twice',
    {
      query:
        '{ a: customers(first: 2) { list: nodes { key: id } } b: customers(first: 3) { nodes { id } nodes { name id } } __typename }',
    },
    {},
    'plan',
  ],
  ['a filter', { query: '{ customers(first: 3, filter: "a") { totalCount nodes { id name } } }' }, {}, 'plan'],
  [
    'nodes written page by page across three upstream pages',
    {
      query:
        '{ invoices(first: 250) { nodes { id invoiceNumber invoiceDate amount currency status extra } edges { cursor } pageInfo { hasNextPage endCursor } } }',
    },
    {},
    'plan',
  ],
  [
    'nodes and edges reading the same records across two upstream pages',
    { query: '{ invoices(first: 150) { nodes { id } edges { node { id amount } } } }' },
    {},
    'plan',
  ],
  [
    'an empty page',
    { query: '{ invoices(first: 0) { nodes { id } pageInfo { hasNextPage endCursor } } }' },
    {},
    'plan',
  ],
  [
    'a named operation among two',
    { query: `${CUSTOMERS} query Other { invoices(first: 1) { nodes { id } } }`, operationName: 'Other' },
    {},
    'plan',
  ],
  ['through Yoga (a CORS request)', { query: CUSTOMERS }, { origin: 'http://localhost:3000' }, 'plan'],
  ['through Yoga (server-sent events)', { query: EDGES }, { accept: 'text/event-stream' }, 'plan'],
  ['a batch through Yoga', [{ query: CUSTOMERS }, { query: OVERVIEW }], {}, 'plan'],
  ['a malformed cursor', { query: CUSTOMERS, variables: { after: 'not-a-cursor' } }, {}, 'fallback'],
  [
    'a filter over the limit',
    { query: `{ customers(filter: "${'x'.repeat(201)}") { nodes { id } } }` },
    {},
    'fallback',
  ],
  ['a variable of the wrong type', { query: CUSTOMERS, variables: { after: 7 } }, {}, 'fallback'],
  ['an unknown operation name', { query: CUSTOMERS, operationName: 'Missing' }, {}, null],
  ['pdfUrl (a resolver with effects)', { query: '{ invoices(first: 2) { nodes { id pdfUrl } } }' }, {}, 'full'],
  [
    'a customer lookup (a join)',
    { query: '{ subscriptions(first: 2) { nodes { id customer { id name } } } }' },
    {},
    'full',
  ],
  [
    'a directive',
    {
      query: 'query($x: Boolean!) { customers(first: 2) { nodes { id name @include(if: $x) } } }',
      variables: { x: false },
    },
    {},
    'full',
  ],
  ['introspection', { query: '{ __schema { queryType { name } } }' }, {}, 'full'],
  ['no token', { query: CUSTOMERS }, { authorization: '' }, null],
];

describe('operation plans answer as full execution does', () => {
  let planned: Lane;
  let full: Lane;
  beforeAll(async () => {
    [planned, full] = await Promise.all([startPlanLane(true), startPlanLane(false)]);
  });
  afterAll(async () => {
    await Promise.all([planned.stack.close(), full.stack.close()]);
  });

  it.each(CASES)('%s', async (_label, body, headers, executor) => {
    const before = { executors: await executors(planned), calls: planned.stack.sandbox.calls.list().length };
    const fullCalls = full.stack.sandbox.calls.list().length;
    const viaFull = await send(full, body, headers);
    const viaPlan = await send(planned, body, headers);
    expect(viaPlan).toEqual(viaFull);
    const after = await executors(planned);
    const expected = { plan: 0, fallback: 0, full: 0 };
    if (executor) expected[executor] = Array.isArray(body) ? body.length : 1;
    expect({
      plan: after.plan - before.executors.plan,
      fallback: after.fallback - before.executors.fallback,
      full: after.full - before.executors.full,
    }).toEqual(expected);
    expect(planned.stack.sandbox.calls.list().length - before.calls).toBe(
      full.stack.sandbox.calls.list().length - fullCalls,
    );
    expect(lastRequestLine(planned)).toEqual(lastRequestLine(full));
  });

  it('pages on from a planned answer: the same cursors, the same next page, the same calls', async () => {
    const walk = async (lane: Lane) => {
      const pages: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 4; i++) {
        const { text } = await send(lane, { query: CUSTOMERS, variables: { first: 7, after } });
        pages.push(text);
        const parsed = JSON.parse(text) as { data: { customers: { pageInfo: { endCursor: string | null } } } };
        after = parsed.data.customers.pageInfo.endCursor;
      }
      return pages;
    };
    const callsBefore = [planned, full].map((lane) => lane.stack.sandbox.calls.list().length);
    const [viaPlan, viaFull] = [await walk(planned), await walk(full)];
    expect(viaPlan).toEqual(viaFull);
    expect(new Set(viaPlan).size).toBe(4);
    const calls = [planned, full].map((lane, i) => lane.stack.sandbox.calls.list().length - (callsBefore[i] ?? 0));
    expect(calls[0]).toBe(calls[1]);
  });

  it('falls back on an upstream failure with no second call: the same partial answer', async () => {
    for (const lane of [planned, full])
      lane.stack.sandbox.faults.set([{ endpoint: 'invoices', kind: 'status', status: 500, times: 1 }]);
    const before = { executors: await executors(planned), calls: planned.stack.sandbox.calls.list().length };
    const fullCalls = full.stack.sandbox.calls.list().length;
    const viaFull = await send(full, { query: OVERVIEW });
    const viaPlan = await send(planned, { query: OVERVIEW });
    expect(viaPlan).toEqual(viaFull);
    const body = JSON.parse(viaPlan.text) as {
      data: Record<string, unknown>;
      errors: { extensions: { code: string } }[];
    };
    expect(body.errors[0]?.extensions.code).toMatch(/^UPSTREAM_/);
    expect(body.data['customers']).not.toBeNull();
    expect((await executors(planned)).fallback - before.executors.fallback).toBe(1);
    expect(planned.stack.sandbox.calls.list().length - before.calls).toBe(
      full.stack.sandbox.calls.list().length - fullCalls,
    );
  });

  it('gives up at the first failure: errors come in the order the upstream answers, as in full execution', async () => {
    const query = '{ i: invoices(first: 1) { nodes { id } } s: subscriptions(first: 1) { nodes { id } } }';
    for (const lane of [planned, full]) {
      lane.stack.sandbox.faults.set([
        { endpoint: 'invoices', kind: 'latency', ms: 300, times: 1 },
        { endpoint: 'invoices', kind: 'status', status: 404, times: 1 },
        { endpoint: 'subscriptions', kind: 'status', status: 403, times: 1 },
      ]);
    }
    const [viaFull, viaPlan] = await Promise.all([send(full, { query }), send(planned, { query })]);
    expect(viaPlan).toEqual(viaFull);
    const body = JSON.parse(viaPlan.text) as { errors: { path: string[] }[] };
    expect(body.errors.map((error) => error.path[0])).toEqual(['s', 'i']);
    expect(lastRequestLine(planned)).toEqual(lastRequestLine(full));
  });

  it('counts the same operations and errors in /metrics', async () => {
    const [viaPlan, viaFull] = await Promise.all([operationSeries(planned), operationSeries(full)]);
    expect(viaPlan.length).toBeGreaterThan(3);
    expect(viaPlan).toEqual(viaFull);
  });
});

describe('operation plans under the production settings', () => {
  it('answer the common request byte for byte as full execution does', async () => {
    const env = { NODE_ENV: 'production', PERSISTED_OPERATIONS: 'allow', RATE_LIMIT_PER_MINUTE: '100000' };
    const [planned, full] = await Promise.all([startPlanLane(true, env), startPlanLane(false, env)]);
    try {
      for (const query of [CUSTOMERS, EDGES, OVERVIEW, FRAGMENTS]) {
        expect(await send(planned, { query })).toEqual(await send(full, { query }));
      }
      expect((await executors(planned)).plan).toBe(4);
      expect(lastRequestLine(planned)).toEqual(lastRequestLine(full));
    } finally {
      await Promise.all([planned.stack.close(), full.stack.close()]);
    }
  });
});
