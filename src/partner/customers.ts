import type { Caller } from './caller.ts';
import type { UpstreamHttp } from './http.ts';
import type { UpstreamPage } from './page.ts';
import {
  isoDateTime,
  type JsonObject,
  nonEmptyString,
  optionalCount,
  optionalIsoDateTime,
  optionalPageToken,
  optionalString,
  parseUpstreamPage,
  recordList,
  requiredString,
  unmodelled,
} from './parse.ts';

export interface Customer {
  id: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  createdAt: string;
  updatedAt: string | null;
  extra: Record<string, unknown>;
}

export interface CustomerQuery {
  filter: string | null;
  token: string | null;
  size: number;
}

/**
 * The largest `limit` the contract allows for /partner/customer: it documents the default, 40, and
 * no maximum, so nothing larger is relied on (other endpoints stop at 100; this one may not).
 */
export const LARGEST_CUSTOMER_PAGE = 40;

/** [assumed] A customer id is `cus-` and then letters, digits, `_` or `-`: see upstream-contract.md. */
const CUSTOMER_ID = /^cus-[A-Za-z0-9_-]{1,120}$/;

/** Whether `id` can be a customer id at all; one that cannot is refused before any upstream call. */
export function isCustomerId(id: string): boolean {
  return CUSTOMER_ID.test(id);
}

export async function searchCustomers(
  http: UpstreamHttp,
  caller: Caller,
  query: CustomerQuery,
): Promise<UpstreamPage<Customer>> {
  const response = await http.get({
    endpoint: 'customers',
    path: '/partner/customer',
    query: { filter: query.filter ?? undefined, queryMore: query.token ?? undefined, limit: query.size },
    ...caller,
  });
  return parseUpstreamPage(response, 'a customer page', toCustomerPage);
}

// [assumed] page and record shapes: see upstream-contract.md, "GET /partner/customer".
const MODELLED: ReadonlySet<string> = new Set(['id', 'name', 'first_name', 'last_name', 'email', 'created', 'updated']);

function toCustomerPage(page: JsonObject): UpstreamPage<Customer> {
  // Read in the upstream's field order: a mismatch names the first field that does not fit.
  const records = recordList(page, 'items', toCustomer);
  const total = optionalCount(page, 'hits');
  return { records, next: optionalPageToken(page, 'queryMore'), total };
}

function toCustomer(r: JsonObject): Customer {
  return {
    id: nonEmptyString(r, 'id'),
    name: requiredString(r, 'name'),
    firstName: optionalString(r, 'first_name'),
    lastName: optionalString(r, 'last_name'),
    email: optionalString(r, 'email'),
    createdAt: isoDateTime(r, 'created'),
    updatedAt: optionalIsoDateTime(r, 'updated'),
    extra: unmodelled(r, MODELLED),
  };
}
