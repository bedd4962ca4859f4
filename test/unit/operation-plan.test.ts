import {
  execute,
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  parse,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/graphql/plan/compile.ts';
import { runPlan } from '../../src/graphql/plan/run.ts';
import type { PageFetcher } from '../../src/pagination/connection.ts';
import { createCursorCodec } from '../../src/pagination/cursor.ts';
import { createKeptPages } from '../../src/pagination/kept-pages.ts';
import { createPager, type Pager, type RelayConnection } from '../../src/pagination/pager.ts';
import type { UpstreamPage } from '../../src/partner/page.ts';

// What the sandbox cannot send (its readers refuse such records): values that make graphql-js
// answer with an error. A plan must then give up (null), and answer byte for byte otherwise.

const Status = new GraphQLEnumType({ name: 'Status', values: { OPEN: { value: 'open' }, PAID: { value: 'paid' } } });
const Item = new GraphQLObjectType({
  name: 'Item',
  fields: {
    id: { type: new GraphQLNonNull(GraphQLString) },
    note: { type: GraphQLString },
    count: { type: GraphQLInt },
    flag: { type: GraphQLBoolean },
    status: { type: Status },
    tags: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) },
    raw: { type: new GraphQLScalarType({ name: 'Raw', serialize: (value) => value }) },
    loose: { type: new GraphQLList(GraphQLString) },
  },
});
const Page = new GraphQLObjectType({
  name: 'Page',
  fields: {
    edges: {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Item))),
      resolve: (page: { items: unknown[] }) => page.items,
    },
    size: { type: GraphQLInt, resolve: (page: { items: unknown[] }) => Promise.resolve(page.items.length) },
    later: { type: new GraphQLList(GraphQLString), resolve: () => [Promise.reject(new Error('not modelled'))] },
  },
});
const paging = { upstreamPaging: { exactness: 'total' } };
const Query = new GraphQLObjectType({
  name: 'Query',
  fields: {
    page: {
      type: Page,
      extensions: paging,
      args: { kind: { type: GraphQLString } },
      resolve: (_root, args: { kind?: string }) => Promise.resolve({ items: ITEMS[args.kind ?? 'good'] }),
    },
    failing: { type: Page, extensions: paging, resolve: () => Promise.reject(new Error('upstream down')) },
    other: { type: GraphQLString, resolve: () => 'not a paging field' },
  },
});
const schema = new GraphQLSchema({ query: Query });

const good = { id: 'a', note: 'é "quoted"\n', count: 3, flag: true, status: 'open', tags: ['x'], loose: ['y', null] };
const ITEMS: Record<string, unknown[]> = {
  good: [good, { id: 'b', note: null, count: null, flag: false, status: 'paid', tags: [], loose: null }],
  missingId: [{ ...good, id: null }],
  nullInNonNullList: [{ ...good, tags: ['x', null] }],
  fractionalInt: [{ ...good, count: 1.5 }],
  unknownEnum: [{ ...good, status: 'lost' }],
  method: [{ ...good, note: () => 'called' }],
  promised: [{ ...good, note: Promise.resolve('later') }],
  notAList: [{ ...good, tags: 'x' }],
  error: [{ ...good, note: new Error('inside') }],
  // JSON.stringify hands toJSON the response key; a leaf written alone would get none.
  keyed: [{ ...good, raw: { toJSON: (key: string) => `key=${key}` } }],
};

const NOT_MODELLED = new Set(['promised', 'method', 'keyed']);

async function both(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const full = await execute({ schema, document, variableValues: variables });
  const plan = compilePlan(schema, document, undefined);
  const planned = plan ? await runPlan(plan, { schema, document, variableValues: variables }) : undefined;
  return { full, plan, planned };
}

const ALL_FIELDS = 'id note count flag status tags loose raw';

describe('an operation plan', () => {
  it('writes what graphql-js would, key for key and character for character', async () => {
    const { full, planned } = await both(
      `query($kind: String) { __typename p: page(kind: $kind) { size edges { ${ALL_FIELDS} n: note id } } }`,
    );
    expect(full.errors).toBeUndefined();
    expect(planned?.text()).toBe(JSON.stringify(full));
    expect(planned?.data).toEqual(JSON.parse(JSON.stringify(full.data)));
    // As Yoga's result processors write it: its own stringify, unbound; a plugin's copy of it is written whole.
    const stringifier = planned?.stringify ?? JSON.stringify;
    expect(stringifier(planned as never)).toBe(JSON.stringify(full));
    const copy = { ...planned, extensions: { traced: true } };
    expect('stringify' in copy).toBe(false);
    expect(JSON.stringify(copy)).toBe(JSON.stringify({ ...full, extensions: { traced: true } }));
  });

  it('carries data as an own property whose getter every answer shares (a closure each would keep its text alive through young collections)', async () => {
    const [one, two] = await Promise.all([both('{ p: page(kind: "good") { size } }'), both('{ __typename }')]);
    const getterOf = (result: unknown) => Object.getOwnPropertyDescriptor(result, 'data')?.get;
    expect(getterOf(one.planned)).toBeTypeOf('function');
    expect(getterOf(one.planned)).toBe(getterOf(two.planned));
    expect([one.planned?.data, two.planned?.data]).toEqual([one.full.data, two.full.data]);
  });

  it.each(Object.keys(ITEMS).filter((kind) => kind !== 'good'))(
    'gives up where graphql-js answers with an error, or does what it does not model: %s',
    async (kind) => {
      const { full, plan, planned } = await both(`{ page(kind: "${kind}") { edges { ${ALL_FIELDS} } } }`);
      expect(plan).not.toBeNull();
      if (NOT_MODELLED.has(kind)) {
        // graphql-js waits for a promised property and calls a method; the plan gives up on both.
        expect(full.errors).toBeUndefined();
      } else {
        expect(full.errors?.length).toBeGreaterThan(0);
      }
      expect(planned).toBeNull();
    },
  );

  it('gives up when a resolver fails, and when variables do not coerce', async () => {
    expect((await both('{ failing { size } }')).planned).toBeNull();
    expect((await both('query($kind: String) { page(kind: $kind) { size } }', { kind: 5 })).planned).toBeNull();
  });

  it('gives up on a promise in a list without leaving its rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const listen = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', listen);
    try {
      const { full, planned } = await both('{ page { later } }');
      expect(full.errors?.[0]?.message).toBe('not modelled');
      expect(planned).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listen);
    }
  });

  it('collects a fragment spread twice once, as graphql-js does', () => {
    const plan = compilePlan(schema, parse('{ page { edges { ...F ...F id } } } fragment F on Item { id note }'), null);
    const page = plan?.root.fields[0]?.output;
    const edges = page?.kind === 'object' ? page.fields[0]?.output : undefined;
    const item = edges?.kind === 'list' ? edges.item : undefined;
    expect(item?.kind === 'object' ? item.fields.map((f) => [f.responseKey, f.fieldNodes.length]) : null).toEqual([
      ['id', 2],
      ['note', 1],
    ]);
  });

  it('is not made for what it does not model', async () => {
    const unplanned = [
      '{ other }',
      '{ page { edges { id @skip(if: true) } } }',
      '{ __schema { queryType { name } } }',
      '{ page { edges { __proto__: id } } }',
      'query A { other } query B { page { size } }',
    ];
    for (const query of unplanned) expect(compilePlan(schema, parse(query), undefined)).toBeNull();
    expect(compilePlan(schema, parse('query A { other } query B { page { size } }'), 'B')).not.toBeNull();
  });
});

describe('an operation plan over a paging field whose nodes alone read its records', () => {
  // A connection as the schema's are: a paging root field served by the pager, `nodes` and
  // `edges { cursor node }` as plumbing. 250 items, 100 a page; "bad" puts an id-less item on the second page.
  type ItemEdge = { cursor: string; node: unknown };
  const Edge = new GraphQLObjectType({
    name: 'ItemEdge',
    fields: {
      cursor: { type: new GraphQLNonNull(GraphQLString), resolve: (edge: ItemEdge) => edge.cursor },
      node: { type: Item, resolve: (edge: ItemEdge) => edge.node },
    },
  });
  const Connection = new GraphQLObjectType({
    name: 'ItemConnection',
    fields: {
      nodes: {
        type: new GraphQLNonNull(new GraphQLList(Item)),
        resolve: (c: RelayConnection<unknown>) => c.edges.map((edge) => edge.node),
      },
      edges: { type: new GraphQLList(Edge), resolve: (c: RelayConnection<unknown>) => c.edges },
    },
  });
  interface PagedContext {
    pager: Pager;
    fetchPage: (kind: string) => PageFetcher<unknown>;
  }
  const pagedSchema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        items: {
          type: Connection,
          extensions: paging,
          args: { first: { type: GraphQLInt }, kind: { type: GraphQLString } },
          resolve: (_root, args: { first?: number; kind?: string }, ctx: PagedContext) =>
            ctx.pager.page({
              connection: 'items',
              bindings: {},
              first: args.first,
              after: null,
              exactness: 'total',
              fetchPage: ctx.fetchPage(args.kind ?? 'good'),
            }),
        },
      },
    }),
  });

  /** A context with its own pager; `calls` counts upstream pages read through it. */
  function pagedContext(): PagedContext & { calls: (string | null)[] } {
    const calls: (string | null)[] = [];
    const readPage = (kind: string, start: number): UpstreamPage<unknown> => {
      const records = Array.from({ length: Math.min(100, 250 - start) }, (_, i) => {
        const n = start + i;
        return kind === 'bad' && n === 150 ? { ...good, id: null } : { ...good, id: `i${n}`, count: n };
      });
      const end = start + records.length;
      return { records, next: end < 250 ? String(end) : null, total: 250, again: () => readPage(kind, start) };
    };
    const pager = createPager({
      cursors: createCursorCodec('operation-plan-unit-test-secret-0123456789'),
      keptPages: createKeptPages({ ttlMs: 30_000, maxEntries: 100 }),
      owner: { callerKey: 'caller', token: null },
      limits: { defaultFirst: 20, maxFirst: 500 },
    });
    const fetchPage = (kind: string) => async (token: string | null) => {
      calls.push(token);
      return readPage(kind, token === null ? 0 : Number(token));
    };
    return { pager, fetchPage, calls };
  }

  const nodesOf = (query: string) => {
    const plan = compilePlan(pagedSchema, parse(query), undefined);
    return plan?.root.fields[0]?.writtenNodes?.fields.map((f) => f.responseKey) ?? null;
  };

  it('writes the nodes of each page as it arrives when nothing else reads the records', () => {
    expect(nodesOf(`{ items(first: 250) { nodes { ${ALL_FIELDS} } edges { cursor } } }`)).toEqual(
      ALL_FIELDS.split(' '),
    );
    expect(nodesOf('{ items(first: 250) { nodes { id } edges { node { id } } } }')).toBeNull();
    expect(nodesOf('{ items(first: 250) { a: nodes { id } b: nodes { note } } }')).toBeNull();
    expect(nodesOf('{ items(first: 250) { edges { cursor node { id } } } }')).toBeNull();
  });

  it('answers character for character as graphql-js does, across the upstream pages, and reads each once', async () => {
    const query = `{ items(first: 250) { nodes { ${ALL_FIELDS} } edges { cursor } } }`;
    const document = parse(query);
    const full = pagedContext();
    const expected = await execute({ schema: pagedSchema, document, contextValue: full });
    const planned = pagedContext();
    const plan = compilePlan(pagedSchema, document, undefined);
    const result = plan ? await runPlan(plan, { schema: pagedSchema, document, contextValue: planned }) : null;
    expect(expected.errors).toBeUndefined();
    expect(result?.text()).toBe(JSON.stringify(expected));
    expect(planned.calls).toEqual([null, '100', '200']);
  });

  it('gives up on a record it cannot write, and full execution after it reads no page twice', async () => {
    const query = `{ items(first: 250, kind: "bad") { nodes { ${ALL_FIELDS} } } }`;
    const document = parse(query);
    const alone = pagedContext();
    const expected = await execute({ schema: pagedSchema, document, contextValue: alone });
    const context = pagedContext();
    const plan = compilePlan(pagedSchema, document, undefined);
    expect(plan).not.toBeNull();
    if (plan) expect(await runPlan(plan, { schema: pagedSchema, document, contextValue: context })).toBeNull();
    const fallback = await execute({ schema: pagedSchema, document, contextValue: context });
    expect(expected.errors?.[0]?.message).toMatch(/non-nullable field Item.id/);
    expect(JSON.stringify(fallback)).toBe(JSON.stringify(expected));
    expect(context.calls).toEqual(alone.calls);
  });
});
