import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConnectionPage,
  type PageFetcher,
  type PageReader,
  pageConnection,
} from '../../src/pagination/connection.ts';
import type { Position } from '../../src/pagination/cursor.ts';
import { PartnerError } from '../../src/partner/errors.ts';
import type { UpstreamPage } from '../../src/partner/page.ts';

type Exactness = 'total' | 'lookahead';

interface UpstreamShape {
  /** Full pages, pages capped per call (varies on every call), or capped per token (stable on re-fetch). */
  pages: 'full' | 'short-per-call' | 'short-per-token';
  /** After a final FULL page, hand out one more token that leads to an empty page. */
  trailingToken: boolean;
  reportsTotal: boolean;
}

/**
 * An in-memory upstream over `r0..r{n-1}`: a token is the position of the page's first record.
 * Pages handed to `keep` are served from a map before the upstream is asked, as the kept-page
 * store does; `calls` records only what reached the upstream.
 */
function createUpstream(n: number, shape: UpstreamShape) {
  const records = Array.from({ length: n }, (_, i) => `r${i}`);
  const calls: [string | null, number][] = [];
  const kept = new Map<string, UpstreamPage<string>>();

  function cap(start: number, size: number): number {
    if (shape.pages === 'full' || size === 1) return size;
    const salt = shape.pages === 'short-per-call' ? calls.length : start;
    return 1 + ((salt * 7 + 3) % (size - 1));
  }

  const fetchPage: PageReader<string> = async (token, size, offset) => {
    const key = JSON.stringify([token, size, offset]);
    const hit = kept.get(key);
    if (hit) {
      kept.delete(key);
      return hit;
    }
    calls.push([token, size]);
    const start = token === null ? 0 : Number(token);
    const slice = records.slice(start, start + cap(start, size));
    const end = start + slice.length;
    const trailing = shape.trailingToken && slice.length === size;
    const next = end < n || trailing ? String(end) : null;
    return { records: slice, next, total: shape.reportsTotal ? n : null };
  };

  const keep = async (token: string | null, size: number, offset: number, page: UpstreamPage<string>) => {
    kept.set(JSON.stringify([token, size, offset]), page);
  };

  return { records, calls, kept, fetchPage, keep };
}

interface Walk {
  pages: ConnectionPage<string>[];
  nodes: string[];
  calls: number;
}

/** Pages through the whole list, resuming each time from the last edge's position. */
async function walk(n: number, first: number, exactness: Exactness, shape: UpstreamShape): Promise<Walk> {
  const upstream = createUpstream(n, shape);
  const pages: ConnectionPage<string>[] = [];
  let after: Position | null = null;
  for (let guard = 0; guard <= n + 1; guard++) {
    const page: ConnectionPage<string> = await pageConnection({
      first,
      after,
      exactness,
      fetchPage: upstream.fetchPage,
      keep: upstream.keep,
    });
    pages.push(page);
    if (!(await page.hasNextPage()) || page.nodes.length === 0) break;
    after = page.positionAfter(page.nodes.length - 1);
  }
  return { pages, nodes: pages.flatMap((p) => p.nodes), calls: upstream.calls.length };
}

const SIZES = [0, 1, 99, 100, 101, 250, 1000];
const FIRSTS = [1, 7, 20, 100, 250, 500];
const SHAPES: [string, UpstreamShape][] = [
  ['full pages', { pages: 'full', trailingToken: false, reportsTotal: false }],
  ['full pages with a trailing token', { pages: 'full', trailingToken: true, reportsTotal: false }],
  ['short pages', { pages: 'short-per-call', trailingToken: false, reportsTotal: false }],
];
const TOTAL_SHAPES: [string, UpstreamShape][] = SHAPES.map(([name, s]) => [
  `${name} and a total`,
  { ...s, reportsTotal: true },
]);
const WALKS = [
  ...SHAPES.map(([name, shape]) => ['lookahead' as const, name, shape] as const),
  ...TOTAL_SHAPES.map(([name, shape]) => ['total' as const, name, shape] as const),
];

describe('pageConnection walking a list to its end', () => {
  describe.each(WALKS)('exactness %s over %s', (exactness, _name, shape) => {
    it.each(SIZES.flatMap((n) => FIRSTS.map((first) => [n, first] as const)))('n=%i first=%i', async (n, first) => {
      const expected = Array.from({ length: n }, (_, i) => `r${i}`);
      const result = await walk(n, first, exactness, shape);

      expect(result.nodes).toEqual(expected);
      expect(result.pages).toHaveLength(Math.max(1, Math.ceil(n / first)));

      let served = 0;
      for (const [p, page] of result.pages.entries()) {
        expect(page.nodes.length).toBe(Math.min(first, n - served));
        for (const k of page.nodes.keys()) expect(page.positionAfter(k).index).toBe(served + k + 1);
        served += page.nodes.length;
        // Exact: false on the page that serves the last record (or the only, empty page), true before.
        expect(await page.hasNextPage(), `page ${p}`).toBe(served < n);
        expect(page.hasPreviousPage).toBe(p > 0);
        expect(page.totalCount).toBe(shape.reportsTotal ? n : null);
      }

      if (shape.pages === 'full') {
        expect(result.calls).toBeLessThanOrEqual(Math.ceil(n / Math.min(first, 100)) + 1);
      }
    });
  });

  it('makes exactly one call per upstream page plus one look-ahead into the trailing empty page', async () => {
    const shape: UpstreamShape = { pages: 'full', trailingToken: true, reportsTotal: false };
    expect((await walk(100, 100, 'lookahead', shape)).calls).toBe(2);
    expect((await walk(1000, 250, 'lookahead', shape)).calls).toBe(11);
    expect((await walk(250, 100, 'lookahead', shape)).calls).toBe(3);
    expect((await walk(100, 100, 'total', { ...shape, reportsTotal: true })).calls).toBe(1);
  });
});

describe('pageConnection exactness', () => {
  it("with 'total' and a total, makes no look-ahead fetch when a page ends at an upstream token", async () => {
    const more = createUpstream(250, { pages: 'full', trailingToken: false, reportsTotal: true });
    const page = await pageConnection({
      first: 100,
      after: null,
      exactness: 'total',
      fetchPage: more.fetchPage,
      keep: more.keep,
    });
    expect(await page.hasNextPage()).toBe(true);
    expect(page.totalCount).toBe(250);
    expect(more.calls).toEqual([[null, 100]]);
    expect(more.kept.size).toBe(0);

    const exact = createUpstream(100, { pages: 'full', trailingToken: true, reportsTotal: true });
    const last = await pageConnection({
      first: 100,
      after: null,
      exactness: 'total',
      fetchPage: exact.fetchPage,
      keep: exact.keep,
    });
    expect(await last.hasNextPage()).toBe(false);
    expect(exact.calls).toEqual([[null, 100]]);
  });

  it("with 'lookahead', fetches the page after the token once and keeps it for the next request", async () => {
    const upstream = createUpstream(250, { pages: 'full', trailingToken: false, reportsTotal: false });
    const page = await pageConnection({
      first: 100,
      after: null,
      exactness: 'lookahead',
      fetchPage: upstream.fetchPage,
      keep: upstream.keep,
    });
    expect(await page.hasNextPage()).toBe(true);
    expect(upstream.calls).toEqual([
      [null, 100],
      ['100', 100],
    ]);
    expect([...upstream.kept.keys()]).toEqual([JSON.stringify(['100', 100, 0])]);
    expect(page.positionAfter(page.nodes.length - 1)).toEqual({ token: '100', size: 100, offset: 0, index: 100 });
  });

  it("with 'lookahead', a trailing token that leads to an empty page gives hasNextPage false", async () => {
    const upstream = createUpstream(100, { pages: 'full', trailingToken: true, reportsTotal: false });
    const page = await pageConnection({
      first: 100,
      after: null,
      exactness: 'lookahead',
      fetchPage: upstream.fetchPage,
      keep: upstream.keep,
    });
    expect(page.nodes).toHaveLength(100);
    expect(await page.hasNextPage()).toBe(false);
    expect(upstream.calls).toEqual([
      [null, 100],
      ['100', 100],
    ]);
  });

  it('keeps the rest of a page it stopped inside, keyed by the position that resumes it', async () => {
    const upstream = createUpstream(50, { pages: 'full', trailingToken: false, reportsTotal: false });
    const page = await pageConnection({
      first: 250,
      after: null,
      exactness: 'lookahead',
      fetchPage: upstream.fetchPage,
      keep: upstream.keep,
    });
    expect(page.nodes).toHaveLength(50);
    expect(await page.hasNextPage()).toBe(false);

    const big = createUpstream(1000, { pages: 'full', trailingToken: false, reportsTotal: false });
    const first = await pageConnection({
      first: 250,
      after: null,
      exactness: 'lookahead',
      fetchPage: big.fetchPage,
      keep: big.keep,
    });
    expect(big.calls.map(([t]) => t)).toEqual([null, '100', '200']);
    expect(first.positionAfter(first.nodes.length - 1)).toEqual({ token: '200', size: 100, offset: 50, index: 250 });
    expect([...big.kept.keys()]).toEqual([JSON.stringify(['200', 100, 50])]);
  });
});

describe('pageConnection resuming from any edge', () => {
  const shapeArb = fc.record({
    pages: fc.constantFrom('full' as const, 'short-per-token' as const),
    trailingToken: fc.boolean(),
    reportsTotal: fc.boolean(),
  });

  it('continues with the record after the edge, for any edge of any page', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom(1, 3, 7, 20, 99, 100, 150, 250),
        fc.constantFrom(1, 5, 20, 100, 250),
        fc.nat(),
        shapeArb,
        fc.constantFrom('total' as const, 'lookahead' as const),
        async (n, first, nextFirst, pick, shape, exactness) => {
          const upstream = createUpstream(n, shape);
          const all: Position[] = [];
          let after: Position | null = null;
          for (;;) {
            const page: ConnectionPage<string> = await pageConnection({
              first,
              after,
              exactness,
              fetchPage: upstream.fetchPage,
            });
            all.push(...page.nodes.map((_, k) => page.positionAfter(k)));
            if (!(await page.hasNextPage()) || page.nodes.length === 0) break;
            after = page.positionAfter(page.nodes.length - 1);
          }
          expect(all).toHaveLength(n);
          const k = pick % n;
          const from = all[k] ?? null;
          const resumed = await pageConnection({
            first: nextFirst,
            after: from,
            exactness,
            fetchPage: upstream.fetchPage,
          });
          expect(resumed.nodes).toEqual(upstream.records.slice(k + 1, k + 1 + nextFirst));
          expect(await resumed.hasNextPage()).toBe(k + 1 + nextFirst < n);
          expect(resumed.hasPreviousPage).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('pageConnection against a misbehaving upstream', () => {
  it('rejects empty pages that carry tokens forever with UPSTREAM_BAD_RESPONSE after a bounded number of calls', async () => {
    let calls = 0;
    const fetchPage: PageFetcher<string> = async () => {
      calls++;
      return { records: [], next: `t${calls}`, total: null };
    };
    const outcome = pageConnection({ first: 10, after: null, exactness: 'lookahead', fetchPage });
    await expect(outcome).rejects.toBeInstanceOf(PartnerError);
    await expect(outcome).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect(calls).toBe(4);
  });

  it('rejects a token that leads back to itself', async () => {
    const calls: (string | null)[] = [];
    const fetchPage: PageFetcher<string> = async (token) => {
      calls.push(token);
      return { records: ['x'], next: 'same', total: null };
    };
    await expect(pageConnection({ first: 10, after: null, exactness: 'total', fetchPage })).rejects.toMatchObject({
      name: 'PartnerError',
      code: 'UPSTREAM_BAD_RESPONSE',
    });
    expect(calls).toEqual([null, 'same']);
  });

  it('stops looking ahead after a bounded number of empty pages', async () => {
    const calls: (string | null)[] = [];
    const fetchPage: PageFetcher<string> = async (token) => {
      calls.push(token);
      return token === null
        ? { records: ['a', 'b'], next: 'e0', total: null }
        : { records: [], next: `${token}+`, total: null };
    };
    const page = await pageConnection({ first: 2, after: null, exactness: 'lookahead', fetchPage });
    expect(page.nodes).toEqual(['a', 'b']);
    expect(calls).toEqual([null]);
    expect(await page.hasNextPage()).toBe(true);
    expect(calls).toEqual([null, 'e0', 'e0+', 'e0++', 'e0+++']);
  });

  it('fetches ahead only when hasNextPage is asked for, and once however often it is asked', async () => {
    const calls: (string | null)[] = [];
    const fetchPage: PageFetcher<string> = async (token) => {
      calls.push(token);
      return token === null
        ? { records: ['a', 'b'], next: 'n1', total: null }
        : { records: ['c'], next: null, total: null };
    };
    const page = await pageConnection({ first: 2, after: null, exactness: 'lookahead', fetchPage });
    expect(calls).toEqual([null]);
    expect(await Promise.all([page.hasNextPage(), page.hasNextPage()])).toEqual([true, true]);
    expect(calls).toEqual([null, 'n1']);
  });
});
