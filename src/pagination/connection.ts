import { PartnerError } from '../partner/errors.ts';
import { MAX_UPSTREAM_PAGE_SIZE, type UpstreamPage } from '../partner/page.ts';
import type { Position } from './cursor.ts';

/** Fetches one upstream page: `token` null is the first page. */
export type PageFetcher<T> = (token: string | null, size: number) => Promise<UpstreamPage<T>>;

/**
 * Fetches the upstream page a connection reads from `offset` on. The offset lets a page kept for
 * the request that resumes at that offset serve exactly that request, and no fresh one.
 */
export type PageReader<T> = (token: string | null, size: number, offset: number) => Promise<UpstreamPage<T>>;

export interface ConnectionRequest<T> {
  first: number;
  /** The decoded `after` cursor; null starts at the beginning. */
  after: Position | null;
  fetchPage: PageReader<T>;
  /**
   * How hasNextPage is made exact where a connection page ends exactly at an upstream token:
   * 'total' trusts the upstream's total (customers' hits, no extra call); 'lookahead' fetches the
   * next upstream page and hands it to `keep` for the caller's next request.
   */
  exactness: 'total' | 'lookahead';
  /** Receives pages fetched but not (fully) served, with the position that will resume them; awaited before answering. */
  keep?: (token: string | null, size: number, offset: number, page: UpstreamPage<T>) => Promise<void>;
  /** Writes each page's served records as they arrive: the connection serves what it returns, one item a record. */
  writeNodes?: NodeWriter;
}

/**
 * Turns records into what a connection serves in their place, one item each, in order: an
 * operation plan writes them as JSON text while the next page is read, and the records can go.
 */
export type NodeWriter = (records: unknown[]) => unknown[];

export interface ConnectionPage<T> {
  /** The served nodes, in order. */
  nodes: T[];
  /** Where a cursor on the node at `k` resumes: just after it. Worked out when asked (most operations read no cursor). */
  positionAfter(k: number): Position;
  /**
   * Whether nodes follow. Asked for, not computed up front: where it takes a look-ahead fetch, only
   * an operation that selects `pageInfo` pays for that page (the pager asks when pageInfo resolves). Memoised.
   */
  hasNextPage(): Promise<boolean>;
  hasPreviousPage: boolean;
  totalCount: number | null;
}

/** Nodes served from one upstream page: where its first read started, its length and token, and where they start. */
interface Stretch {
  at: Position;
  /** How many records the upstream page held, and its token: all a cursor needs of it once it is served. */
  pageLength: number;
  pageNext: string | null;
  /** The offset in the page of the first node served from it. */
  start: number;
  /** The index in the connection page of that node. */
  firstNode: number;
}

/** Empty upstream pages that still carry a token are followed at most this often when looking ahead. */
const MAX_EMPTY_PAGES_FOLLOWED = 3;

/**
 * The size asked of the upstream for every page fetched on behalf of a request for `first` nodes.
 * A look-ahead connection asks for one record more than it serves: when the page holds it,
 * hasNextPage is known without a second, serial round trip, and the page is kept for the next request.
 */
export function upstreamPageSize(first: number, exactness: ConnectionRequest<unknown>['exactness'] = 'total'): number {
  const wanted = exactness === 'lookahead' ? first + 1 : first;
  return Math.min(MAX_UPSTREAM_PAGE_SIZE, Math.max(1, wanted));
}

/**
 * Serves `first` nodes after `after` by following upstream tokens across as many upstream pages
 * as it takes. A short upstream page is not the end: only a missing token is. Nothing here holds
 * a page once its nodes are taken: with `writeNodes`, a page's records can go before the next
 * page is read.
 */
export async function pageConnection<T>(request: ConnectionRequest<T>): Promise<ConnectionPage<T>> {
  const { first, fetchPage } = request;
  const size = upstreamPageSize(first, request.exactness);
  let position: Position = request.after ?? { token: null, size, offset: 0, index: 0 };
  const nodes: T[] = [];
  const stretches: Stretch[] = [];
  let page: UpstreamPage<T> | undefined = await fetchPage(position.token, position.size, position.offset);
  const firstTotal = page.total;
  let emptyPagesInARow = 0;
  const positionAfter = (k: number): Position => {
    let stretch = stretches[0] as Stretch;
    for (const s of stretches) if (s.firstNode <= k) stretch = s;
    return positionAfterRecord(stretch, stretch.start + (k - stretch.firstNode), size);
  };

  for (;;) {
    const start = Math.min(position.offset, page.records.length);
    const taken = takeNodes(request, page, position, start, nodes, stretches);
    const rest = page.records.length - start - taken;
    if (nodes.length === first || page.next === null) {
      const end: Position = nodes.length > 0 ? positionAfter(nodes.length - 1) : position;
      const hasNextPage = await hasMoreAfter(request, page, position, rest, end, size);
      const totalCount = page.total ?? firstTotal;
      return { nodes, positionAfter, hasNextPage, hasPreviousPage: (request.after?.index ?? 0) > 0, totalCount };
    }
    emptyPagesInARow = page.records.length === 0 ? emptyPagesInARow + 1 : 0;
    if (emptyPagesInARow > MAX_EMPTY_PAGES_FOLLOWED || page.next === position.token) throw endlessPages();
    position = { token: page.next, size, offset: 0, index: position.index + taken };
    // The served records are in `nodes` (or written there): this page need not outlive the next read.
    page = undefined;
    page = await fetchPage(position.token, position.size, 0);
  }
}

/** Takes the page's nodes from `start` on into `nodes` (written first, with `writeNodes`); how many it took. */
function takeNodes<T>(
  request: ConnectionRequest<T>,
  page: UpstreamPage<T>,
  at: Position,
  start: number,
  nodes: T[],
  stretches: Stretch[],
): number {
  const taken = Math.min(page.records.length - start, request.first - nodes.length);
  if (taken <= 0) return 0;
  stretches.push({ at, pageLength: page.records.length, pageNext: page.next, start, firstNode: nodes.length });
  if (request.writeNodes) {
    for (const node of request.writeNodes(page.records.slice(start, start + taken))) nodes.push(node as T);
  } else for (let k = 0; k < taken; k++) nodes.push(page.records[start + k] as T);
  return taken;
}

/** The position just after the record at `offset` of a stretch's page: the next page's start when it is the page's last. */
function positionAfterRecord(stretch: Stretch, offset: number, size: number): Position {
  const { at, pageLength, pageNext } = stretch;
  const index = at.index + (offset - Math.min(at.offset, pageLength)) + 1;
  if (offset === pageLength - 1 && pageNext !== null) return { token: pageNext, size, offset: 0, index };
  return { token: at.token, size: at.size, offset: offset + 1, index };
}

/**
 * Keeps what the page holds beyond the served nodes (kept before the answer goes out, so the
 * caller's next request finds it on any instance); answers hasNextPage, fetching ahead only when asked.
 */
async function hasMoreAfter<T>(
  request: ConnectionRequest<T>,
  page: UpstreamPage<T>,
  at: Position,
  rest: number,
  end: Position,
  size: number,
): Promise<() => Promise<boolean>> {
  if (rest > 0) await request.keep?.(at.token, at.size, page.records.length - rest, page);
  const known = (value: boolean) => () => Promise.resolve(value);
  if (request.exactness === 'total' && page.total !== null) {
    return known(end.index < page.total && (rest > 0 || page.next !== null));
  }
  if (rest > 0) return known(true);
  const next = page.next;
  if (next === null) return known(false);
  let asked: Promise<boolean> | undefined;
  return () => (asked ??= lookAhead(request, next, size));
}

/** Fetches what follows an upstream token and keeps it, so the caller's next request needs no fetch. */
async function lookAhead<T>(request: ConnectionRequest<T>, token: string, size: number): Promise<boolean> {
  let next: string | null = token;
  for (let followed = 0; next !== null && followed <= MAX_EMPTY_PAGES_FOLLOWED; followed++) {
    const page = await request.fetchPage(next, size, 0);
    await request.keep?.(next, size, 0, page);
    if (page.records.length > 0) return true;
    next = page.next;
  }
  return next !== null;
}

function endlessPages(): PartnerError {
  return new PartnerError('UPSTREAM_BAD_RESPONSE', 'The partner API kept handing out page tokens that lead nowhere.');
}
