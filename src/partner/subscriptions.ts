import type { Caller } from './caller.ts';
import type { UpstreamHttp } from './http.ts';
import type { UpstreamPage } from './page.ts';
import {
  isoDateTime,
  type JsonObject,
  nonEmptyString,
  optionalIsoDate,
  optionalIsoDateTime,
  optionalObject,
  optionalPageToken,
  optionalString,
  parseUpstreamPage,
  recordList,
  requiredString,
  unmodelled,
} from './parse.ts';

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

export async function listSubscriptions(
  http: UpstreamHttp,
  caller: Caller,
  query: SubscriptionQuery,
): Promise<UpstreamPage<BillingSubscription>> {
  const response = await http.get({
    endpoint: 'subscriptions',
    path: '/partner/objects/subscription',
    query: { limit: query.size, queryMore: query.token ?? undefined },
    ...caller,
  });
  return parseUpstreamPage(response, 'a subscription page', toSubscriptionPage);
}

// [assumed] page and summary shapes, from Limio's object samples: see upstream-contract.md, "GET /partner/objects".
const MODELLED: ReadonlySet<string> = new Set([
  'id',
  'name',
  'status',
  'start',
  'customer',
  'owner',
  'created',
  'updated',
  'data',
]);

function toSubscriptionPage(page: JsonObject): UpstreamPage<BillingSubscription> {
  const records = recordList(page, 'items', toSubscription);
  return { records, next: optionalPageToken(page, 'queryMore'), total: null };
}

function toSubscription(r: JsonObject): BillingSubscription {
  return {
    id: nonEmptyString(r, 'id'),
    name: requiredString(r, 'name'),
    status: nonEmptyString(r, 'status'),
    startDate: optionalIsoDate(r, 'start'),
    customerId: optionalString(r, 'customer'),
    owner: optionalString(r, 'owner'),
    createdAt: isoDateTime(r, 'created'),
    updatedAt: optionalIsoDateTime(r, 'updated'),
    data: optionalObject(r, 'data'),
    extra: unmodelled(r, MODELLED),
  };
}
