import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { NodeWriter, PageFetcher } from '../../src/pagination/connection.ts';
import { createCursorCodec } from '../../src/pagination/cursor.ts';
import { createKeptPages, type KeptPages } from '../../src/pagination/kept-pages.ts';
import { type ConnectionArgs, createPager, type Pager, PagingArgumentError } from '../../src/pagination/pager.ts';
import { PartnerError } from '../../src/partner/errors.ts';
import type { UpstreamPage } from '../../src/partner/page.ts';

const cursors = createCursorCodec('pager-unit-test-secret-0123456789abcdef');
const LIMITS = { defaultFirst: 20, maxFirst: 500 };

/** A list upstream (`r0..r{n-1}`, full pages, token = position) that records every call. */
function createUpstream(n: number, reportsTotal = false) {
  const calls: [string | null, number][] = [];
  const fetchPage: PageFetcher<string> = async (token, size) => {
    calls.push([token, size]);
    const start = token === null ? 0 : Number(token);
    const records = Array.from({ length: Math.max(0, Math.min(size, n - start)) }, (_, i) => `r${start + i}`);
    const end = start + records.length;
    return { records, next: end < n ? String(end) : null, total: reportsTotal ? n : null };
  };
  return { calls, fetchPage };
}

function pagerFor(
  callerKey: string,
  keptPages: KeptPages = createKeptPages({ ttlMs: 30_000, maxEntries: 100 }),
): Pager {
  return createPager({ cursors, keptPages, owner: { callerKey, token: `${callerKey}-token` }, limits: LIMITS });
}

function args<T = string>(
  fetchPage: PageFetcher<T>,
  overrides: Partial<Omit<ConnectionArgs<T>, 'fetchPage'>> = {},
): ConnectionArgs<T> {
  return {
    connection: 'customers',
    bindings: { filter: 'a' },
    first: 10,
    after: null,
    exactness: 'lookahead',
    fetchPage,
    ...overrides,
  };
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection');
}

describe('createPager argument checks', () => {
  it.each([
    [-1, 'Argument "first" must be an integer from 0 to 500; got -1.'],
    [501, 'Argument "first" must be an integer from 0 to 500; got 501.'],
    [1.5, 'Argument "first" must be an integer from 0 to 500; got 1.5.'],
    [Number.NaN, 'Argument "first" must be an integer from 0 to 500; got NaN.'],
    [Number.POSITIVE_INFINITY, 'Argument "first" must be an integer from 0 to 500; got Infinity.'],
  ])('refuses first=%s before any upstream call', async (first, message) => {
    const upstream = createUpstream(50);
    const error = await refusal(pagerFor('alice').page(args(upstream.fetchPage, { first })));
    expect(error).toBeInstanceOf(PagingArgumentError);
    expect(error.message).toBe(message);
    expect(upstream.calls).toEqual([]);
  });

  it('uses defaultFirst when first is absent and accepts the bounds 0 and maxFirst', async () => {
    const upstream = createUpstream(1000);
    const byDefault = await pagerFor('alice').page(args(upstream.fetchPage, { first: undefined }));
    expect(byDefault.edges.map((e) => e.node)).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
    const none = await pagerFor('alice').page(args(upstream.fetchPage, { first: 0 }));
    expect(none.edges).toEqual([]);
    const { hasNextPage, hasPreviousPage, startCursor, endCursor } = await none.pageInfo;
    expect({ hasNextPage, hasPreviousPage, startCursor, endCursor }).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
    const most = await pagerFor('alice').page(args(upstream.fetchPage, { first: 500 }));
    expect(most.edges).toHaveLength(500);
  });

  it('refuses a tampered after cursor before any upstream call', async () => {
    const upstream = createUpstream(50);
    const first = await pagerFor('alice').page(args(upstream.fetchPage));
    const end = (await first.pageInfo).endCursor ?? '';
    expect(end).not.toBe('');
    upstream.calls.length = 0;
    const tampered = `${end.slice(0, 5)}${end[5] === 'A' ? 'B' : 'A'}${end.slice(6)}`;
    const error = await refusal(pagerFor('alice').page(args(upstream.fetchPage, { after: tampered })));
    expect(error).toBeInstanceOf(PagingArgumentError);
    expect(error.message).toBe('Argument "after": The cursor is not one this server issued, or it was altered.');
    expect(upstream.calls).toEqual([]);
  });

  it.each([
    ['other bindings', { bindings: { filter: 'b' } }, 'customers'],
    ['no bindings', { bindings: {} }, 'customers'],
    ['another connection', { connection: 'invoices' }, 'invoices'],
  ])('refuses a customers {filter:"a"} cursor used with %s, before any upstream call', async (_name, scope, named) => {
    const upstream = createUpstream(50);
    const issued = await pagerFor('alice').page(args(upstream.fetchPage));
    upstream.calls.length = 0;
    const error = await refusal(
      pagerFor('alice').page(args(upstream.fetchPage, { ...scope, after: (await issued.pageInfo).endCursor })),
    );
    expect(error).toBeInstanceOf(PagingArgumentError);
    expect(error.message).toBe(
      `Argument "after": The cursor belongs to another connection or other arguments; use a cursor from this ${named} connection.`,
    );
    expect(upstream.calls).toEqual([]);
  });

  it('binds cursors to the bindings, not their order, and treats a null binding as absent', async () => {
    const upstream = createUpstream(50);
    const issued = await pagerFor('alice').page(args(upstream.fetchPage, { bindings: { a: '1', b: '2' } }));
    const reordered = await pagerFor('alice').page(
      args(upstream.fetchPage, { bindings: { b: '2', a: '1' }, after: (await issued.pageInfo).endCursor }),
    );
    expect(reordered.edges[0]?.node).toBe('r10');

    const plain = await pagerFor('alice').page(args(upstream.fetchPage, { bindings: {} }));
    const nulled = await pagerFor('alice').page(
      args(upstream.fetchPage, { bindings: { filter: null }, after: (await plain.pageInfo).endCursor }),
    );
    expect(nulled.edges[0]?.node).toBe('r10');
  });
});

describe('createPager results', () => {
  it('encodes a cursor per edge that resumes right after its node', async () => {
    const upstream = createUpstream(50, true);
    const pager = pagerFor('alice');
    const page = await pager.page(args(upstream.fetchPage, { exactness: 'total' }));
    expect(page.totalCount).toBe(50);
    expect((await page.pageInfo).startCursor).toBe(page.edges[0]?.cursor);
    expect((await page.pageInfo).endCursor).toBe(page.edges.at(-1)?.cursor);
    const third = page.edges[2]?.cursor;
    const resumed = await pagerFor('alice').page(
      args(upstream.fetchPage, { exactness: 'total', first: 3, after: third }),
    );
    expect(resumed.edges.map((e) => e.node)).toEqual(['r3', 'r4', 'r5']);
    expect((await resumed.pageInfo).hasPreviousPage).toBe(true);
  });

  // An accessor made per object (a getter in an object literal) keeps each request's pages alive
  // through young-generation collections; the class's own accessors do not.
  it("reads pageInfo and its cursors through accessors the connections share, not each one's own", async () => {
    const upstream = createUpstream(50, true);
    const [a, b] = await Promise.all([
      pagerFor('alice').page(args(upstream.fetchPage, { exactness: 'total' })),
      pagerFor('bob').page(args(upstream.fetchPage, { exactness: 'total', first: 5 })),
    ]);
    expect(Object.getOwnPropertyNames(a)).not.toContain('pageInfo');
    expect(Object.getPrototypeOf(a)).toBe(Object.getPrototypeOf(b));
    const [infoA, infoB] = await Promise.all([a.pageInfo, b.pageInfo]);
    expect(Object.getOwnPropertyNames(infoA)).not.toContain('startCursor');
    expect(Object.getOwnPropertyNames(infoA)).not.toContain('endCursor');
    expect(Object.getPrototypeOf(infoA)).toBe(Object.getPrototypeOf(infoB));
    expect([infoA.startCursor, infoA.endCursor, infoB.endCursor]).toEqual([
      a.edges[0]?.cursor,
      a.edges.at(-1)?.cursor,
      b.edges.at(-1)?.cursor,
    ]);
  });

  it('passes an upstream PartnerError through unchanged', async () => {
    const failure = new PartnerError('UPSTREAM_UNAVAILABLE', 'down', { status: 503 });
    const fetchPage: PageFetcher<string> = async () => {
      throw failure;
    };
    await expect(pagerFor('alice').page(args(fetchPage))).rejects.toBe(failure);
  });
});

describe('createPager dedupe', () => {
  it('makes one upstream call for two concurrent identical requests', async () => {
    const upstream = createUpstream(250, true);
    const pager = pagerFor('alice');
    const [a, b] = await Promise.all([
      pager.page(args(upstream.fetchPage, { first: 100, exactness: 'total' })),
      pager.page(args(upstream.fetchPage, { first: 100, exactness: 'total' })),
    ]);
    expect(upstream.calls).toEqual([[null, 100]]);
    expect(a.edges.map((e) => e.node)).toEqual(b.edges.map((e) => e.node));
    expect(a.edges).toHaveLength(100);
  });

  it('dedupes the look-ahead fetch too', async () => {
    const upstream = createUpstream(250);
    const pager = pagerFor('alice');
    const pages = await Promise.all([
      pager.page(args(upstream.fetchPage, { first: 100 })),
      pager.page(args(upstream.fetchPage, { first: 100 })),
    ]);
    expect(await Promise.all(pages.map(async (page) => (await page.pageInfo).hasNextPage))).toEqual([true, true]);
    expect(upstream.calls).toEqual([
      [null, 100],
      ['100', 100],
    ]);
  });

  it('does not share fetches between different bindings', async () => {
    const upstream = createUpstream(250, true);
    const pager = pagerFor('alice');
    await Promise.all([
      pager.page(args(upstream.fetchPage, { first: 100, exactness: 'total', bindings: { filter: 'a' } })),
      pager.page(args(upstream.fetchPage, { first: 100, exactness: 'total', bindings: { filter: 'b' } })),
    ]);
    expect(upstream.calls).toEqual([
      [null, 100],
      [null, 100],
    ]);
  });
});

describe('createPager kept pages', () => {
  it("serves the look-ahead page to the same caller's next request, and never to another caller", async () => {
    const keptPages = createKeptPages({ ttlMs: 30_000, maxEntries: 100 });
    const upstream = createUpstream(150);
    const first = await pagerFor('alice', keptPages).page(args(upstream.fetchPage, { first: 100 }));
    expect((await first.pageInfo).hasNextPage).toBe(true);
    expect(upstream.calls).toEqual([
      [null, 100],
      ['100', 100],
    ]);
    expect(keptPages.size).toBe(1);

    upstream.calls.length = 0;
    const bob = await pagerFor('bob', keptPages).page(
      args(upstream.fetchPage, { first: 100, after: (await first.pageInfo).endCursor }),
    );
    expect(bob.edges.map((e) => e.node)).toEqual(Array.from({ length: 50 }, (_, i) => `r${100 + i}`));
    expect(upstream.calls).toEqual([['100', 100]]);
    expect(keptPages.size).toBe(1);

    upstream.calls.length = 0;
    const alice = await pagerFor('alice', keptPages).page(
      args(upstream.fetchPage, { first: 100, after: (await first.pageInfo).endCursor }),
    );
    expect(alice.edges.map((e) => e.node)).toEqual(Array.from({ length: 50 }, (_, i) => `r${100 + i}`));
    expect((await alice.pageInfo).hasNextPage).toBe(false);
    expect(upstream.calls).toEqual([]);
    expect(keptPages.size).toBe(0);
  });

  it('serves the rest of a page the previous request stopped inside', async () => {
    const keptPages = createKeptPages({ ttlMs: 30_000, maxEntries: 100 });
    const upstream = createUpstream(1000);
    const first = await pagerFor('alice', keptPages).page(args(upstream.fetchPage, { first: 250 }));
    expect(upstream.calls.map(([t]) => t)).toEqual([null, '100', '200']);
    upstream.calls.length = 0;
    const next = await pagerFor('alice', keptPages).page(
      args(upstream.fetchPage, { first: 50, after: (await first.pageInfo).endCursor }),
    );
    expect(next.edges.map((e) => e.node)).toEqual(Array.from({ length: 50 }, (_, i) => `r${250 + i}`));
    expect(upstream.calls).toEqual([]);
    expect((await next.pageInfo).hasNextPage).toBe(true);
    // The rest of page '200' came from the kept store; only the look-ahead after it reached the
    // upstream, asking one record more than it serves so hasNextPage needs no second round trip.
    expect(upstream.calls).toEqual([['300', 51]]);
  });

  it('keeps a page for one connection and bindings only', async () => {
    const keptPages = createKeptPages({ ttlMs: 30_000, maxEntries: 100 });
    const upstream = createUpstream(150);
    const kept = await pagerFor('alice', keptPages).page(args(upstream.fetchPage, { first: 100 }));
    expect((await kept.pageInfo).hasNextPage).toBe(true); // the look-ahead page is kept
    upstream.calls.length = 0;
    // Same caller, same upstream position, other bindings: a fresh walk must not take the kept page.
    const other = await pagerFor('alice', keptPages).page(
      args(upstream.fetchPage, { first: 100, bindings: { filter: 'b' } }),
    );
    expect(other.edges).toHaveLength(100);
    expect((await other.pageInfo).hasNextPage).toBe(true);
    expect(upstream.calls).toEqual([
      [null, 100],
      ['100', 100],
    ]);
  });
});

describe('createPager within one request', () => {
  it('reads the same connection request once: the same connection, one upstream call, the rest of its page kept once', async () => {
    const upstream = createUpstream(50);
    const store = createKeptPages({ ttlMs: 30_000, maxEntries: 100 });
    const kept: string[] = [];
    const counted: KeptPages = {
      keep: (owner, key, page) => {
        kept.push(key);
        return store.keep(owner, key, page);
      },
      take: (owner, key) => store.take(owner, key),
    };
    const pager = pagerFor('alice', counted);
    const [first, again] = [pager.page(args(upstream.fetchPage)), pager.page(args(upstream.fetchPage))];
    expect(again).toBe(first);
    const [a, b] = await Promise.all([first, again]);
    await Promise.all([a.pageInfo, b.pageInfo]);
    expect(upstream.calls).toEqual([[null, 11]]);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^customers\|[\w-]+\|\[null,11,10\]$/);
  });

  it('remembers a refusal too: asked again, the same error and still no upstream call', async () => {
    const upstream = createUpstream(50);
    const pager = pagerFor('alice');
    const bad = args(upstream.fetchPage, { after: 'not-a-cursor' });
    const [one, two] = [await refusal(pager.page(bad)), await refusal(pager.page(bad))];
    expect(two).toBe(one);
    expect(one).toBeInstanceOf(PagingArgumentError);
    expect(upstream.calls).toEqual([]);
  });
});

describe('createPager with nodes written as their pages arrive', () => {
  /** A full garbage collection, for checking what a pager still holds. */
  const collectGarbage = (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();

  /** Pages of 100 fresh record objects whose first records are watched; `again` reads them anew. */
  function watchedUpstream(n: number) {
    const calls: (string | null)[] = [];
    const firstRecords: WeakRef<object>[] = [];
    const readPage = (start: number): UpstreamPage<{ id: string }> => {
      const records = Array.from({ length: Math.min(100, n - start) }, (_, i) => ({ id: `r${start + i}` }));
      const end = start + records.length;
      return { records, next: end < n ? String(end) : null, total: null, again: () => readPage(start) };
    };
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fetchPage: PageFetcher<{ id: string }> = async (token) => {
      calls.push(token);
      // The second page waits until the test has looked at what the first one left behind.
      if (calls.length === 2) await held;
      const page = readPage(token === null ? 0 : Number(token));
      if (page.records[0]) firstRecords.push(new WeakRef(page.records[0]));
      return page;
    };
    return { calls, firstRecords, fetchPage, release };
  }

  const writeIds: NodeWriter = (records) => records.map((r) => `<${(r as { id: string }).id}>`);
  const firstN = (n: number) => Array.from({ length: n }, (_, i) => `<r${i}>`);

  it("lets a page's records go before the next page arrives, and serves the written nodes in order", async () => {
    const upstream = watchedUpstream(250);
    const pager = pagerFor('alice');
    const connection = pager.writingNodes(writeIds, () =>
      pager.page(args(upstream.fetchPage, { first: 150, exactness: 'total' })),
    );
    while (upstream.calls.length < 2) await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(upstream.firstRecords[0]?.deref()).toBeUndefined();
    upstream.release();
    const served = await connection;
    expect(served.edges.map((edge) => edge.node)).toEqual(firstN(150));
    expect(upstream.calls).toEqual([null, '100']);
  });

  it('serves the same connection asked for without a writer from the same pages read again, with no upstream call', async () => {
    const upstream = watchedUpstream(250);
    upstream.release();
    const pager = pagerFor('alice');
    const request = args(upstream.fetchPage, { first: 150, exactness: 'total' });
    const written = await pager.writingNodes(writeIds, () => pager.page(request));
    const plain = await pager.page(request);
    expect(written.edges.map((edge) => edge.node)).toEqual(firstN(150));
    expect(plain.edges.map((edge) => edge.node.id)).toEqual(firstN(150).map((text) => text.slice(1, -1)));
    expect(plain.edges[149]?.cursor).toBe(written.edges[149]?.cursor);
    expect(upstream.calls).toEqual([null, '100']);
  });

  it('hands the writer to the connection asked for while the call runs, and to no later one', async () => {
    const upstream = createUpstream(50);
    const pager = pagerFor('alice');
    const bracket: NodeWriter = (records) => records.map((r) => `<${String(r)}>`);
    const during = pager.writingNodes(bracket, () => pager.page(args(upstream.fetchPage, { first: 2 })));
    const after = pager.page(args(upstream.fetchPage, { first: 3 }));
    expect((await during).edges.map((edge) => edge.node)).toEqual(['<r0>', '<r1>']);
    expect((await after).edges.map((edge) => edge.node)).toEqual(['r0', 'r1', 'r2']);
  });
});
