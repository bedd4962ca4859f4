import type { Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { assertSkippable } from '../../src/graphql/direct.ts';
import { jsonMediaType } from '../../src/graphql/direct-requests.ts';
import { graphqlPlugins } from '../../src/graphql/plugins/index.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { counterValues, type Lane, lastRequestLine, operationSeries, post, startLane } from '../support/compare.ts';

// The direct path (src/graphql/direct.ts) must answer exactly as Yoga does. Two facades, one with the
// direct path and one without (`directPath: false`), each in front of its own identical sandbox, get the same
// requests; status, the headers a client reads, the body, the log line and the metrics must match.

interface Exchange {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const startDirectLane = (env: Record<string, string>, direct: boolean) => startLane(env, { directPath: direct });

/** The facade's own count of POSTs each pipeline ran, from /metrics. */
async function laneCounts(lane: Lane): Promise<{ fast: number; yoga: number }> {
  const counts = await counterValues(lane, 'partner_graph_graphql_posts_by_lane_total', 'lane', ['direct', 'yoga']);
  return { fast: counts.direct, yoga: counts.yoga };
}

async function send(lane: Lane, body: unknown, headers: Record<string, string>): Promise<Exchange> {
  const answer = await post(lane, body, headers);
  expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
  const json = (answer.headers['content-type'] ?? '').includes('json');
  return {
    status: answer.status,
    headers: answer.headers,
    body: json && answer.text ? JSON.parse(answer.text) : answer.text,
  };
}

const CUSTOMERS =
  'query Customers($first: Int) { customers(first: $first) { totalCount nodes { id name email } pageInfo { hasNextPage endCursor } } }';
const OVERVIEW = `query Overview {
  customers(first: 3) { nodes { id name } }
  invoices(first: 3) { nodes { id amount currency status } pageInfo { hasNextPage } }
  subscriptions(first: 3) { nodes { id status } }
}`;

type Case = [label: string, body: unknown, headers: Record<string, string>, lane: 'fast' | 'yoga'];

const INTROSPECTION = '{ __schema { queryType { name } } }';

/** The same requests under the test settings and under production's (no introspection, no suggestions, persisted operations allowed, a rate limit). */
const SETTINGS: { name: string; env: Record<string, string>; introspection: 'fast' | 'yoga' }[] = [
  { name: 'test settings', env: {}, introspection: 'fast' },
  {
    name: 'production settings',
    env: { NODE_ENV: 'production', PERSISTED_OPERATIONS: 'allow', RATE_LIMIT_PER_MINUTE: '100000' },
    introspection: 'yoga',
  },
];

const CASES: Case[] = [
  ['a query with variables', { query: CUSTOMERS, variables: { first: 5 } }, {}, 'fast'],
  ['three root fields', { query: OVERVIEW }, {}, 'fast'],
  ['Accept: application/json', { query: CUSTOMERS }, { accept: 'application/json' }, 'fast'],
  [
    'Accept: application/graphql-response+json',
    { query: CUSTOMERS },
    { accept: 'application/graphql-response+json' },
    'fast',
  ],
  [
    "graphql-request's Accept",
    { query: CUSTOMERS },
    { accept: 'application/graphql-response+json, application/json' },
    'fast',
  ],
  [
    'a named operation among two',
    { query: `${CUSTOMERS} query Other { __typename }`, operationName: 'Other' },
    {},
    'fast',
  ],
  ['no token', { query: CUSTOMERS }, { authorization: '' }, 'fast'],
  [
    'no token, graphql-response+json',
    { query: CUSTOMERS },
    { authorization: '', accept: 'application/graphql-response+json' },
    'fast',
  ],
  ['a malformed token', { query: CUSTOMERS }, { authorization: 'Basic abc' }, 'fast'],
  ['a bad paging argument', { query: CUSTOMERS, variables: { first: -1 } }, {}, 'fast'],
  ['a variable of the wrong type', { query: CUSTOMERS, variables: { first: 'many' } }, {}, 'fast'],
  [
    'a variable of the wrong type, graphql-response+json',
    { query: CUSTOMERS, variables: { first: 'many' } },
    { accept: 'application/graphql-response+json' },
    'fast',
  ],
  ['empty extensions', { query: CUSTOMERS, extensions: {} }, {}, 'fast'],
  ['an unknown field (validation)', { query: '{ customers(first: 1) { nodes { nope } } }' }, {}, 'yoga'],
  ['a syntax error', { query: '{ customers(first: 1) { ' }, {}, 'yoga'],
  ['an unknown operation name', { query: CUSTOMERS, operationName: 'Missing' }, {}, 'yoga'],
  ['an unknown parameter', { query: CUSTOMERS, extra: 1 }, {}, 'yoga'],
  ['variables that are not an object', { query: CUSTOMERS, variables: [1] }, {}, 'yoga'],
  ['a persisted query hash', { extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }, {}, 'yoga'],
  [
    '@defer',
    { query: '{ customers(first: 2) { nodes { id ... @defer { name } } } }' },
    { accept: 'multipart/mixed' },
    'yoga',
  ],
  ['a CORS request', { query: CUSTOMERS }, { origin: 'http://localhost:3000' }, 'yoga'],
  ['Accept: text/event-stream', { query: CUSTOMERS }, { accept: 'text/event-stream' }, 'yoga'],
  ['Accept: text/html only', { query: CUSTOMERS }, { accept: 'text/html' }, 'yoga'],
];

describe.each(SETTINGS)('the direct path answers as Yoga does, under $name', ({ env, introspection }) => {
  let fast: Lane;
  let yoga: Lane;
  beforeAll(async () => {
    [fast, yoga] = await Promise.all([startDirectLane(env, true), startDirectLane(env, false)]);
  });
  afterAll(async () => {
    await Promise.all([fast.stack.close(), yoga.stack.close()]);
  });

  const cases: Case[] = [
    ...CASES,
    ['introspection', { query: INTROSPECTION }, {}, introspection],
    ['introspection without a token', { query: INTROSPECTION }, { authorization: '' }, introspection],
  ];
  it.each(cases)('%s', async (_label, body, headers, expectedLane) => {
    const before = { lanes: await laneCounts(fast), calls: fast.stack.sandbox.calls.list().length };
    const yogaCalls = yoga.stack.sandbox.calls.list().length;
    const viaYoga = await send(yoga, body, headers);
    const viaLane = await send(fast, body, headers);
    expect(viaLane).toEqual(viaYoga);
    const after = await laneCounts(fast);
    expect({ fast: after.fast - before.lanes.fast, yoga: after.yoga - before.lanes.yoga }).toEqual(
      expectedLane === 'fast' ? { fast: 1, yoga: 0 } : { fast: 0, yoga: 1 },
    );
    expect(fast.stack.sandbox.calls.list().length - before.calls).toBe(
      yoga.stack.sandbox.calls.list().length - yogaCalls,
    );
    expect(lastRequestLine(fast)).toEqual(lastRequestLine(yoga));
  });

  it('answers a partial failure the same way: data where it can, the upstream error where it cannot', async () => {
    for (const lane of [fast, yoga])
      lane.stack.sandbox.faults.set([{ endpoint: 'invoices', kind: 'status', status: 500, times: 1 }]);
    const viaYoga = await send(yoga, { query: OVERVIEW }, {});
    const viaLane = await send(fast, { query: OVERVIEW }, {});
    expect(viaLane).toEqual(viaYoga);
    expect((viaLane.body as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toMatch(
      /^UPSTREAM_/,
    );
    expect(lastRequestLine(fast)).toEqual(lastRequestLine(yoga));
  });

  it('counts the same operations and errors in /metrics', async () => {
    const [viaLane, viaYoga] = await Promise.all([operationSeries(fast), operationSeries(yoga)]);
    expect(viaLane.length).toBeGreaterThan(3);
    expect(viaLane).toEqual(viaYoga);
  });
});

describe('the rate limit, charged by the route before either transport', () => {
  it('refuses past the limit as Yoga does: 429, Retry-After, RATE_LIMITED, no upstream call', async () => {
    const env = { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '1' };
    const [fast, yoga] = await Promise.all([startDirectLane(env, true), startDirectLane(env, false)]);
    try {
      const answers: Exchange[][] = [];
      for (const lane of [yoga, fast]) {
        answers.push([await send(lane, { query: CUSTOMERS }, {}), await send(lane, { query: CUSTOMERS }, {})]);
      }
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[1]?.[1]).toMatchObject({
        status: 429,
        headers: { 'retry-after': expect.stringMatching(/^\d+$/) },
      });
      expect(fast.stack.sandbox.calls.list()).toHaveLength(1);
      // The route refuses the second before any transport sees it.
      expect(await laneCounts(fast)).toEqual({ fast: 1, yoga: 0 });
      expect(await laneCounts(yoga)).toEqual({ fast: 0, yoga: 1 });
      expect(lastRequestLine(fast)).toEqual(lastRequestLine(yoga));
    } finally {
      await Promise.all([fast.stack.close(), yoga.stack.close()]);
    }
  });
});

describe('a request the direct path hands to Yoga', () => {
  it('is charged once: with a burst of one, its validation error is the answer, not RATE_LIMITED', async () => {
    const env = { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '1' };
    const [fast, yoga] = await Promise.all([startDirectLane(env, true), startDirectLane(env, false)]);
    try {
      const invalid = { query: '{ customers(first: 1) { nodes { nope } } }' };
      const [viaYoga, viaLane] = [await send(yoga, invalid, {}), await send(fast, invalid, {})];
      expect(viaLane).toEqual(viaYoga);
      expect(viaLane.body).toMatchObject({ errors: [{ message: expect.stringContaining('"nope"') }] });
      expect((await send(fast, invalid, {})).status).toBe(429);
      expect(await laneCounts(fast)).toEqual({ fast: 0, yoga: 1 });
    } finally {
      await Promise.all([fast.stack.close(), yoga.stack.close()]);
    }
  });
});

describe('the start-up guard', () => {
  it('refuses to start when a plugin has a Yoga-level hook the direct path would skip', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    const known = graphqlPlugins(config, createMetrics());
    expect(() => assertSkippable(known)).not.toThrow();
    const unknown: Plugin = { onResponse: () => undefined };
    expect(() => assertSkippable({ ...known, plugins: [...known.plugins, unknown] })).toThrow(
      'The direct GraphQL path would skip onResponse of a plugin it does not know (onResponse).',
    );
    const envelopOnly: Plugin = { onExecute: () => undefined };
    expect(() => assertSkippable({ ...known, plugins: [...known.plugins, envelopOnly] })).not.toThrow();
  });
});

describe("jsonMediaType mirrors Yoga's choice of JSON type", () => {
  it.each([
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['application/graphql-response+json, application/json', 'application/graphql-response+json'],
    ['application/json, application/graphql-response+json', 'application/json'],
    ['application/*', 'application/json'],
    ['application/json; charset=latin1', null],
    ['text/event-stream', null],
    ['multipart/mixed', null],
    ['text/html', null],
  ])('Accept %s → %s', (accept, expected) => {
    expect(jsonMediaType(accept)).toBe(expected);
  });
});
