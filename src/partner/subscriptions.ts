import { z } from 'zod';
import type { Caller } from './caller.ts';
import type { UpstreamHttp } from './http.ts';
import type { UpstreamPage } from './page.ts';
import { isoDate, isoDateTime, pageToken, parseUpstreamJson, unmodelled } from './parse.ts';

// [assumed] summary shape, from Limio's object samples: see upstream-contract.md, "GET /partner/objects".
const subscriptionRecord = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  status: z.string().min(1),
  start: isoDate.nullish(),
  customer: z.string().nullish(),
  owner: z.string().nullish(),
  created: isoDateTime,
  updated: isoDateTime.nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
});

const subscriptionPage = z.looseObject({
  items: z.array(subscriptionRecord).default([]),
  queryMore: pageToken.nullish(),
});

const MODELLED: ReadonlySet<string> = new Set(['id', 'name', 'status', 'start', 'customer', 'owner', 'created', 'updated', 'data']);

export interface BillingSubscription {
  id: string;
  name: string;
  status: string;
  startDate: string | null;
  customerId: string | null;
  owner: string | null;
  createdAt: string;
  updatedAt: string | null;
  data: Record<string, unknown> | null;
  extra: Record<string, unknown>;
}

export interface SubscriptionQuery {
  token: string | null;
  size: number;
}

export async function listSubscriptions(http: UpstreamHttp, caller: Caller, query: SubscriptionQuery): Promise<UpstreamPage<BillingSubscription>> {
  const response = await http.get({
    endpoint: 'subscriptions',
    path: '/partner/objects/subscription',
    query: { limit: query.size, queryMore: query.token ?? undefined },
    ...caller,
  });
  const page = parseUpstreamJson(response, subscriptionPage, 'a subscription page');
  return { records: page.items.map(toSubscription), next: page.queryMore ?? null, total: null };
}

function toSubscription(r: z.output<typeof subscriptionRecord>): BillingSubscription {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    startDate: r.start ?? null,
    customerId: r.customer ?? null,
    owner: r.owner ?? null,
    createdAt: r.created,
    updatedAt: r.updated ?? null,
    data: r.data ?? null,
    extra: unmodelled(r, MODELLED),
  };
}
