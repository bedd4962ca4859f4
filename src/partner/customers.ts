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
  parseUpstreamJson,
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
  return parseUpstreamJson(response, 'a customer page', toCustomerPage);
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
