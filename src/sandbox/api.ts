// The four partner endpoints: route matching, parameter checks and page bodies.
// Transport concerns (auth header, faults, writing bytes) live in server.ts.
import { decodePageToken, type KeysetPosition, readPage } from './page-token.ts';
import { createRandom, mixSeed } from './random.ts';
import type { OrganisationStore } from './store.ts';
import type { Endpoint } from './types.ts';

export type Route =
  | { endpoint: 'customers' }
  | { endpoint: 'invoices' }
  | { endpoint: 'invoiceFile'; invoiceId: string }
  | { endpoint: 'subscriptions'; pathType: string };

export type ApiResponse =
  | { kind: 'json'; status: number; payload: unknown; headers?: Record<string, string> }
  | { kind: 'pdf'; pdf: Buffer };

export interface ApiSettings {
  seed: number;
  shortInvoicePages: boolean;
  trailingTokens: boolean;
  largePdfBytes: number | undefined;
}

const DEFAULT_PAGE_SIZE: Record<Exclude<Endpoint, 'invoiceFile'>, number> = {
  customers: 40,
  invoices: 40,
  subscriptions: 50,
};
const MAX_PAGE_SIZE = 100;

const ROUTES: readonly { pattern: RegExp; route: (segment: string) => Route }[] = [
  { pattern: /^\/api\/partner\/customer$/, route: () => ({ endpoint: 'customers' }) },
  { pattern: /^\/api\/partner\/invoices$/, route: () => ({ endpoint: 'invoices' }) },
  {
    pattern: /^\/api\/partner\/invoices\/file\/([^/]+)$/,
    route: (invoiceId) => ({ endpoint: 'invoiceFile', invoiceId }),
  },
  { pattern: /^\/api\/partner\/objects\/([^/]+)$/, route: (pathType) => ({ endpoint: 'subscriptions', pathType }) },
];

export function matchRoute(pathname: string): Route | null {
  for (const { pattern, route } of ROUTES) {
    const match = pattern.exec(pathname);
    if (match !== null) return route(decodeSegment(match[1] ?? ''));
  }
  return null;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function jsonError(status: number, message: string, headers?: Record<string, string>): ApiResponse {
  return { kind: 'json', status, payload: { message }, ...(headers === undefined ? {} : { headers }) };
}

/** Thrown by parameter checks; becomes a 400. */
class BadRequest extends Error {}

export function handleApi(
  route: Route,
  query: ReadonlyMap<string, string>,
  store: OrganisationStore,
  settings: ApiSettings,
): ApiResponse {
  try {
    switch (route.endpoint) {
      case 'customers':
        return customers(query, store, settings);
      case 'invoices':
        return invoices(query, store, settings);
      case 'invoiceFile':
        return invoiceFile(route.invoiceId, store, settings);
      case 'subscriptions':
        return subscriptions(route.pathType, query, store, settings);
    }
  } catch (error) {
    if (error instanceof BadRequest) return jsonError(400, error.message);
    throw error;
  }
}

function customers(query: ReadonlyMap<string, string>, store: OrganisationStore, settings: ApiSettings): ApiResponse {
  const size = pageSize(query, 'limit', DEFAULT_PAGE_SIZE.customers);
  const after = position(query, 'queryMore');
  const matches = store.searchCustomers(query.get('filter'));
  const page = readPage(matches, { size, after, trailingToken: settings.trailingTokens });
  return ok({ items: page.items, hits: matches.length, ...(page.next === undefined ? {} : { queryMore: page.next }) });
}

function invoices(query: ReadonlyMap<string, string>, store: OrganisationStore, settings: ApiSettings): ApiResponse {
  const size = pageSize(query, 'pageSize', DEFAULT_PAGE_SIZE.invoices);
  const after = position(query, 'cursor');
  const page = readPage(store.data.invoices, {
    size,
    after,
    trailingToken: settings.trailingTokens,
    ...(settings.shortInvoicePages
      ? { shortPageLength: (start: number, max: number) => shortPageLength(settings.seed, start, max) }
      : {}),
  });
  return ok({ invoices: page.items, ...(page.next === undefined ? {} : { nextPage: page.next }) });
}

/** Like Zuora's capped pages: 1..size items, the same for a given seed, start and size. */
function shortPageLength(seed: number, start: number, size: number): number {
  return 1 + Math.floor(createRandom(mixSeed(seed, 0x5407, start, size))() * size);
}

function invoiceFile(invoiceId: string, store: OrganisationStore, settings: ApiSettings): ApiResponse {
  const pdf = store.invoicePdf(invoiceId, settings.largePdfBytes);
  // A foreign invoice is reported exactly like a missing one: nothing leaks across organisations.
  if (pdf === undefined) return jsonError(404, `Invoice ${invoiceId} not found`);
  return { kind: 'pdf', pdf };
}

function subscriptions(
  pathType: string,
  query: ReadonlyMap<string, string>,
  store: OrganisationStore,
  settings: ApiSettings,
): ApiResponse {
  if (pathType !== 'subscription') {
    throw new BadRequest(`Unsupported path_type "${pathType}": only "subscription" is supported`);
  }
  const size = pageSize(query, 'limit', DEFAULT_PAGE_SIZE.subscriptions);
  const after = position(query, 'queryMore');
  const page = readPage(store.data.subscriptions, { size, after, trailingToken: settings.trailingTokens });
  return ok({ items: page.items, ...(page.next === undefined ? {} : { queryMore: page.next }) });
}

function ok(payload: unknown): ApiResponse {
  return { kind: 'json', status: 200, payload };
}

function pageSize(query: ReadonlyMap<string, string>, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === undefined) return fallback;
  const value = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= MAX_PAGE_SIZE)) {
    throw new BadRequest(`${name} must be an integer from 1 to ${MAX_PAGE_SIZE}, got "${raw.slice(0, 40)}"`);
  }
  return value;
}

function position(query: ReadonlyMap<string, string>, name: string): KeysetPosition | null {
  const raw = query.get(name);
  if (raw === undefined) return null;
  const decoded = decodePageToken(raw);
  if (decoded === null) {
    throw new BadRequest(`${name} is not a page token from a previous response (base64 JSON, URL-encoded)`);
  }
  return decoded;
}
