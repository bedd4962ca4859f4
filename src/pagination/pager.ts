import { createHash } from 'node:crypto';
import type { UpstreamPage } from '../partner/page.ts';
import {
  type ConnectionPage,
  type NodeWriter,
  type PageFetcher,
  type PageReader,
  pageConnection,
} from './connection.ts';
import { type CursorCodec, CursorError, type CursorScope } from './cursor.ts';
import type { KeptPageOwner, KeptPages } from './kept-pages.ts';

export interface PagingLimits {
  defaultFirst: number;
  maxFirst: number;
}

/** A Relay connection, ready to return from a resolver. */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface RelayConnection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo | Promise<PageInfo>;
  totalCount: number | null;
}

export interface ConnectionArgs<T> {
  /** The connection's name; cursors of one connection are refused by another. */
  connection: string;
  /** The arguments a cursor is bound to besides paging (e.g. the customer filter). */
  bindings: Record<string, string | null>;
  first: number | null | undefined;
  after: string | null | undefined;
  exactness: 'total' | 'lookahead';
  fetchPage: PageFetcher<T>;
}

export interface Pager {
  page<T>(args: ConnectionArgs<T>): Promise<RelayConnection<T>>;
  /**
   * Runs `call` (a connection field's resolver) so that the connection it asks for while it runs
   * serves its nodes through `write` (see `NodeWriter`), page by page as they arrive. A connection
   * asked for later, or asked for again without it, serves records as usual.
   */
  writingNodes<R>(write: NodeWriter, call: () => R): R;
}

export class PagingArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PagingArgumentError';
  }
}

export interface PagerOptions {
  cursors: CursorCodec;
  keptPages: KeptPages;
  /** The caller: kept pages are filed under their caller key and sealed with their token. */
  owner: KeptPageOwner;
  limits: PagingLimits;
}

/**
 * Per-request paging: validates `first`/`after` before any upstream call, dedupes identical
 * upstream page fetches within the request, and serves pages kept from the caller's last request.
 */
export function createPager({ cursors, keptPages, owner, limits }: PagerOptions): Pager {
  const readers = new Map<string, PageReader<unknown>>();

  /**
   * Per connection and bindings: page reads by (token, size, offset) take the page kept for exactly
   * that resume position, else share one upstream fetch per (token, size) in this request. Both
   * remember failures too: an operation run again in the same request (src/graphql/plan/) calls nothing twice.
   */
  function readerFor(scope: CursorScope, fetchPage: PageFetcher<unknown>): PageReader<unknown> {
    const id = `${scope.connection}|${scope.argsKey}`;
    let reader = readers.get(id);
    if (!reader) {
      const fetched = new Map<string, Promise<HeldPage>>();
      const read = new Map<string, Promise<HeldPage>>();
      const upstream = (token: string | null, size: number) =>
        once(fetched, `${size}|${token}`, async () => new HeldPage(await fetchPage(token, size)));
      reader = (token, size, offset) => {
        const key = keyOf(token, size, offset);
        return once(read, key, async () => {
          const kept = await keptPages.take(owner, `${id}|${key}`);
          return kept ? new HeldPage(kept) : upstream(token, size);
        }).then(takePage);
      };
      readers.set(id, reader);
    }
    return reader;
  }

  // What this request has kept, by key: a connection read again (after a plan gave up) keeps nothing twice.
  const kept = new Set<string>();
  function keep(key: string, page: UpstreamPage<unknown>): Promise<void> {
    if (kept.has(key)) return Promise.resolve();
    kept.add(key);
    return keptPages.keep(owner, key, { records: page.records, next: page.next, total: page.total });
  }

  // Each connection request once per request: an operation run again after its plan gave up
  // (src/graphql/plan/) gets the same connection. One written by a plan is its own, and not shared.
  const connections = new Map<string, Promise<RelayConnection<unknown>>>();
  let pendingWriter: NodeWriter | null = null;
  function page<T>(args: ConnectionArgs<T>): Promise<RelayConnection<T>> {
    const writeNodes = pendingWriter;
    pendingWriter = null;
    if (writeNodes) return readConnection(args, writeNodes) as Promise<RelayConnection<T>>;
    const key = JSON.stringify([
      args.connection,
      args.bindings,
      args.first ?? null,
      args.after ?? null,
      args.exactness,
    ]);
    return once(connections, key, () => readConnection(args, null)) as Promise<RelayConnection<T>>;
  }

  function writingNodes<R>(write: NodeWriter, call: () => R): R {
    pendingWriter = write;
    try {
      return call();
    } finally {
      pendingWriter = null;
    }
  }

  async function readConnection<T>(
    args: ConnectionArgs<T>,
    writeNodes: NodeWriter | null,
  ): Promise<RelayConnection<unknown>> {
    const first = checkFirst(args.first, limits);
    const scope: CursorScope = { connection: args.connection, argsKey: bindingKey(args.bindings) };
    const after = args.after == null ? null : decodeAfter(cursors, scope, args.after);
    const reader = readerFor(scope, args.fetchPage as PageFetcher<unknown>) as PageReader<T>;
    const result = await pageConnection<T>({
      first,
      after,
      exactness: args.exactness,
      fetchPage: reader,
      keep: (token, size, offset, page) =>
        keep(`${scope.connection}|${scope.argsKey}|${keyOf(token, size, offset)}`, page as UpstreamPage<unknown>),
      ...(writeNodes ? { writeNodes } : {}),
    });
    // A cursor is an HMAC: signed only when the operation reads it (most read `nodes` alone).
    const cursorAt = (k: number) => cursors.encode(scope, result.positionAfter(k));
    return new PagedConnection(result, cursorAt);
  }

  return { page, writingNodes };
}

const takePage = (held: HeldPage) => held.take();

/**
 * An upstream page read in this request. The first reader takes the page itself and holds it no
 * longer than it needs (see `pageConnection`); a later one (an alias, or full execution after a
 * plan gave up) reads the same answer again, with no upstream call. A page that cannot be read
 * again (a kept one) is held for every reader.
 */
class HeldPage {
  #page: UpstreamPage<unknown> | null;
  readonly #again: (() => UpstreamPage<unknown>) | undefined;

  constructor(page: UpstreamPage<unknown>) {
    this.#page = page;
    this.#again = page.again;
  }

  take<T>(): UpstreamPage<T> {
    const page = this.#page;
    if (page && this.#again) this.#page = null;
    return (page ?? (this.#again as () => UpstreamPage<unknown>)()) as UpstreamPage<T>;
  }
}

/** The key a page read is remembered by: the upstream token, the page size asked for, the offset to resume at. */
function keyOf(token: string | null, size: number, offset: number): string {
  return JSON.stringify([token, size, offset]);
}

/** The promise remembered under `key`, or a new one from `start`: each key is read once per request. */
function once<V>(memo: Map<string, Promise<V>>, key: string, start: () => Promise<V>): Promise<V> {
  let promise = memo.get(key);
  if (!promise) {
    promise = start();
    memo.set(key, promise);
  }
  return promise;
}

/**
 * A connection page as the resolvers read it. Its accessors are the class's, not an object
 * literal's: V8 allocates an accessor made per object in the old generation, so all that its
 * closure reaches (the request's pages and records) survives every young-generation collection
 * until a full one (bench/results/optimisations.md, "Per-object accessors").
 */
class PagedConnection<T> implements RelayConnection<T> {
  readonly edges: LazyCursorEdge<T>[];
  readonly totalCount: number | null;
  readonly #page: ConnectionPage<T>;
  #pageInfo: Promise<PageInfo> | undefined;

  constructor(page: ConnectionPage<T>, cursorAt: (index: number) => string) {
    this.#page = page;
    this.edges = page.nodes.map((node, k) => new LazyCursorEdge(node, k, cursorAt));
    this.totalCount = page.totalCount;
  }

  /**
   * Resolved (by the connection's pageInfo resolver) only for an operation that selects it, so an
   * operation reading nodes alone never pays for the look-ahead page hasNextPage may need.
   */
  get pageInfo(): Promise<PageInfo> {
    this.#pageInfo ??= this.#page
      .hasNextPage()
      .then((hasNextPage) => new EdgesPageInfo(hasNextPage, this.#page.hasPreviousPage, this.edges));
    return this.#pageInfo;
  }
}

/** Page info whose cursors are the first and last edges' own (encoded only when read). */
class EdgesPageInfo implements PageInfo {
  readonly #edges: readonly { cursor: string }[];
  constructor(
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
    edges: readonly { cursor: string }[],
  ) {
    this.#edges = edges;
  }

  get startCursor(): string | null {
    return this.#edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.#edges.at(-1)?.cursor ?? null;
  }
}

/** An edge whose cursor is encoded on first read, once. */
class LazyCursorEdge<T> {
  #cursor: string | undefined;
  constructor(
    readonly node: T,
    private readonly index: number,
    private readonly cursorAt: (index: number) => string,
  ) {}

  get cursor(): string {
    this.#cursor ??= this.cursorAt(this.index);
    return this.#cursor;
  }
}

function checkFirst(first: number | null | undefined, limits: PagingLimits): number {
  if (first == null) return limits.defaultFirst;
  const problem = firstProblem(first, limits.maxFirst);
  if (problem) throw new PagingArgumentError(problem);
  return first;
}

/** What is wrong with a `first` argument, in the words every refusal of it uses; null when it is fine. */
export function firstProblem(first: unknown, maxFirst: number): string | null {
  if (typeof first === 'number' && Number.isInteger(first) && first >= 0 && first <= maxFirst) return null;
  return `Argument "first" must be an integer from 0 to ${maxFirst}; got ${typeof first === 'number' ? first : JSON.stringify(first)}.`;
}

function decodeAfter(cursors: CursorCodec, scope: CursorScope, after: string) {
  try {
    return cursors.decode(scope, after);
  } catch (error) {
    if (error instanceof CursorError) throw new PagingArgumentError(`Argument "after": ${error.message}`);
    throw error;
  }
}

/** A short fingerprint of the bound arguments, so a cursor does not carry them in clear. */
function bindingKey(bindings: Record<string, string | null>): string {
  const entries = Object.entries(bindings).filter(([, v]) => v !== null);
  if (entries.length === 0) return '';
  return createHash('sha256').update(JSON.stringify(entries.sort())).digest('base64url').slice(0, 22);
}
