import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import type { UpstreamPage } from '../partner/page.ts';
import { type PageFetcher, pageConnection } from './connection.ts';
import { type CursorCodec, CursorError, type CursorScope, type Position } from './cursor.ts';
import type { KeptPages } from './kept-pages.ts';

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
  /** A hash of the caller's token (never the token): scopes kept pages to this caller. */
  callerKey: string;
  limits: PagingLimits;
}

/**
 * Per-request paging: validates `first`/`after` before any upstream call, dedupes identical
 * upstream page fetches within the request, and serves pages kept from the caller's last request.
 */
export function createPager({ cursors, keptPages, callerKey, limits }: PagerOptions): Pager {
  const readers = new Map<string, DataLoader<string, UpstreamPage<unknown>>>();

  /**
   * Per connection and bindings: page reads keyed by (token, size, offset) take the page kept for
   * exactly that resume position, else share one upstream fetch per (token, size) in this request.
   */
  function readerFor(scope: CursorScope, fetchPage: PageFetcher<unknown>): DataLoader<string, UpstreamPage<unknown>> {
    const id = `${scope.connection}|${scope.argsKey}`;
    let reader = readers.get(id);
    if (!reader) {
      const upstream = onePerKey(async (key) => {
        const [token, size] = JSON.parse(key) as [string | null, number];
        return fetchPage(token, size);
      });
      reader = onePerKey(async (key) => {
        const [token, size] = JSON.parse(key) as [string | null, number, number];
        return keptPages.take(`${callerKey}|${id}|${key}`) ?? upstream.load(JSON.stringify([token, size]));
      });
      readers.set(id, reader);
    }
    return reader;
  }

  async function page<T>(args: ConnectionArgs<T>): Promise<RelayConnection<T>> {
    const first = checkFirst(args.first, limits);
    const scope: CursorScope = { connection: args.connection, argsKey: bindingKey(args.bindings) };
    const after = args.after == null ? null : decodeAfter(cursors, scope, args.after);
    const reader = readerFor(scope, args.fetchPage as PageFetcher<unknown>);
    const key = (token: string | null, size: number, offset: number) => JSON.stringify([token, size, offset]);
    const result = await pageConnection<T>({
      first,
      after,
      exactness: args.exactness,
      fetchPage: (token, size, offset) => reader.load(key(token, size, offset)) as Promise<UpstreamPage<T>>,
      keep: (token, size, offset, kept) =>
        keptPages.keep(`${callerKey}|${scope.connection}|${scope.argsKey}|${key(token, size, offset)}`, kept),
    });
    // A cursor is an HMAC: signed only when the operation reads it (most read `nodes` alone).
    const encode = (position: Position) => cursors.encode(scope, position);
    const edges = result.edges.map((e) => new LazyCursorEdge(e.node, e.position, encode));
    let pageInfo: Promise<PageInfo> | undefined;
    return {
      edges,
      // Resolved (by the connection's pageInfo resolver) only for an operation that selects it, so
      // an operation reading nodes alone never pays for the look-ahead page hasNextPage may need.
      get pageInfo() {
        pageInfo ??= result.hasNextPage().then((hasNextPage) => ({
          hasNextPage,
          hasPreviousPage: result.hasPreviousPage,
          get startCursor() {
            return edges[0]?.cursor ?? null;
          },
          get endCursor() {
            return edges.at(-1)?.cursor ?? null;
          },
        }));
        return pageInfo;
      },
      totalCount: result.totalCount,
    };
  }

  return { page };
}

/** An edge whose cursor is encoded on first read, once. */
class LazyCursorEdge<T> {
  #cursor: string | undefined;
  constructor(
    readonly node: T,
    private readonly position: Position,
    private readonly encode: (position: Position) => string,
  ) {}

  get cursor(): string {
    this.#cursor ??= this.encode(this.position);
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

/** A per-request loader that runs `load` once per key (no batching: the upstream has no batch endpoint). */
function onePerKey(load: (key: string) => Promise<UpstreamPage<unknown>>): DataLoader<string, UpstreamPage<unknown>> {
  return new DataLoader((keys) => Promise.all(keys.map((k) => load(k).catch((e: unknown) => toError(e)))), {
    batch: false,
  });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
