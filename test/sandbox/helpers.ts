// Helpers for talking to a running sandbox over real HTTP, as the facade does.
import type { Sandbox, SandboxCustomer, SandboxInvoice, SandboxSubscription } from '../../src/sandbox/index.ts';

export const ORG_A = 'northwind-media';
export const ORG_B = 'harbour-press';
export const ORG_EMPTY = 'quiet-lane';

export interface CustomerPage {
  items: SandboxCustomer[];
  hits: number;
  queryMore?: string;
}
export interface InvoicePage {
  invoices: SandboxInvoice[];
  nextPage?: string;
}
export interface SubscriptionPage {
  items: SandboxSubscription[];
  queryMore?: string;
}
export interface ErrorBody {
  message: string;
}

export type ListEndpoint = 'customers' | 'invoices' | 'subscriptions';

/** Per list endpoint: path, page-size and token parameter names, and how to read a page. */
export const LISTS = {
  customers: { path: '/partner/customer', size: 'limit', token: 'queryMore' },
  invoices: { path: '/partner/invoices', size: 'pageSize', token: 'cursor' },
  subscriptions: { path: '/partner/objects/subscription', size: 'limit', token: 'queryMore' },
} as const satisfies Record<ListEndpoint, { path: string; size: string; token: string }>;

export interface ListRecord {
  id: string;
  created: string;
}

export interface ReadPage {
  records: ListRecord[];
  next: string | undefined;
}

export function readListPage(endpoint: ListEndpoint, body: unknown): ReadPage {
  if (endpoint === 'invoices') {
    const page = body as InvoicePage;
    return { records: page.invoices.map((i) => ({ id: i.id, created: i.createdDate })), next: page.nextPage };
  }
  const page = body as CustomerPage | SubscriptionPage;
  return { records: page.items.map((i) => ({ id: i.id, created: i.created })), next: page.queryMore };
}

export function bearer(sandbox: Sandbox, organisation: string): Record<string, string> {
  const token = sandbox.tokens[organisation];
  if (token === undefined) throw new Error(`No token for ${organisation}`);
  return { authorization: `Bearer ${token}` };
}

export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export async function getJson<T = unknown>(
  sandbox: Sandbox,
  path: string,
  headers: Record<string, string> = bearer(sandbox, ORG_A),
): Promise<JsonResponse<T>> {
  const response = await fetch(`${sandbox.url}${path}`, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as T };
}

export function listPath(endpoint: ListEndpoint, params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const query = search.toString();
  return query === '' ? LISTS[endpoint].path : `${LISTS[endpoint].path}?${query}`;
}

export interface Walk {
  ids: string[];
  records: ListRecord[];
  pageLengths: number[];
  tokens: string[];
  requests: number;
}

/** Follows tokens to the end; fails the test on any non-200 or on a runaway loop. */
export async function walk(
  sandbox: Sandbox,
  endpoint: ListEndpoint,
  size: number | undefined,
  organisation: string = ORG_A,
  extra: Record<string, string> = {},
): Promise<Walk> {
  const result: Walk = { ids: [], records: [], pageLengths: [], tokens: [], requests: 0 };
  let token: string | undefined;
  do {
    const { size: sizeName, token: tokenName } = LISTS[endpoint];
    const response = await getJson(
      sandbox,
      listPath(endpoint, { ...extra, [sizeName]: size, [tokenName]: token }),
      bearer(sandbox, organisation),
    );
    if (response.status !== 200)
      throw new Error(`${endpoint} answered ${response.status}: ${JSON.stringify(response.body)}`);
    const page = readListPage(endpoint, response.body);
    result.requests += 1;
    result.records.push(...page.records);
    result.ids.push(...page.records.map((record) => record.id));
    result.pageLengths.push(page.records.length);
    token = page.next;
    if (token !== undefined) result.tokens.push(token);
    if (result.requests > 10_000) throw new Error('Pagination does not end');
  } while (token !== undefined);
  return result;
}

/** Newest first by creation time, then id descending. */
export function isServedOrder(records: readonly ListRecord[]): boolean {
  return records.every((record, i) => {
    const previous = records[i - 1];
    if (previous === undefined) return true;
    return previous.created > record.created || (previous.created === record.created && previous.id > record.id);
  });
}

export function recordsOf(sandbox: Sandbox, endpoint: ListEndpoint, organisation: string = ORG_A): ListRecord[] {
  const org = sandbox.organisations.find((candidate) => candidate.name === organisation);
  if (org === undefined) throw new Error(`No organisation ${organisation}`);
  if (endpoint === 'invoices') return org.invoices.map((i) => ({ id: i.id, created: i.createdDate }));
  return org[endpoint].map((record) => ({ id: record.id, created: record.created }));
}

export function organisation(sandbox: Sandbox, name: string = ORG_A): Sandbox['organisations'][number] {
  const org = sandbox.organisations.find((candidate) => candidate.name === name);
  if (org === undefined) throw new Error(`No organisation ${name}`);
  return org;
}

export function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}
