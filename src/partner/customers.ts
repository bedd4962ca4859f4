import { z } from 'zod';
import type { Caller } from './caller.ts';
import type { UpstreamHttp } from './http.ts';
import type { UpstreamPage } from './page.ts';
import { isoDateTime, pageToken, parseUpstreamJson, unmodelled } from './parse.ts';

// [assumed] record shape: see upstream-contract.md, "GET /partner/customer".
const customerRecord = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  email: z.string().nullish(),
  created: isoDateTime,
  updated: isoDateTime.nullish(),
});

const customerPage = z.looseObject({
  items: z.array(customerRecord).default([]),
  hits: z.number().int().nonnegative().optional(),
  queryMore: pageToken.nullish(),
});

const MODELLED: ReadonlySet<string> = new Set(['id', 'name', 'first_name', 'last_name', 'email', 'created', 'updated']);

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

export async function searchCustomers(http: UpstreamHttp, caller: Caller, query: CustomerQuery): Promise<UpstreamPage<Customer>> {
  const response = await http.get({
    endpoint: 'customers',
    path: '/partner/customer',
    query: { filter: query.filter ?? undefined, queryMore: query.token ?? undefined, limit: query.size },
    ...caller,
  });
  const page = parseUpstreamJson(response, customerPage, 'a customer page');
  return {
    records: page.items.map(toCustomer),
    next: page.queryMore ?? null,
    total: page.hits ?? null,
  };
}

function toCustomer(r: z.output<typeof customerRecord>): Customer {
  return {
    id: r.id,
    name: r.name,
    firstName: r.first_name ?? null,
    lastName: r.last_name ?? null,
    email: r.email ?? null,
    createdAt: r.created,
    updatedAt: r.updated ?? null,
    extra: unmodelled(r, MODELLED),
  };
}
