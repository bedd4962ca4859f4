import type { Caller } from './caller.ts';
import { type CustomerQuery, searchCustomers } from './customers.ts';
import type { UpstreamHttp } from './http.ts';
import { type InvoiceQuery, listInvoices } from './invoices.ts';
import { listSubscriptions, type SubscriptionQuery } from './subscriptions.ts';

/** The partner API on behalf of one caller: one function per endpoint, shapes adapted. */
export interface PartnerClient {
  searchCustomers(query: CustomerQuery): ReturnType<typeof searchCustomers>;
  listInvoices(query: InvoiceQuery): ReturnType<typeof listInvoices>;
  listSubscriptions(query: SubscriptionQuery): ReturnType<typeof listSubscriptions>;
}

export function createPartnerClient(http: UpstreamHttp, caller: Caller): PartnerClient {
  return {
    searchCustomers: (query) => searchCustomers(http, caller, query),
    listInvoices: (query) => listInvoices(http, caller, query),
    listSubscriptions: (query) => listSubscriptions(http, caller, query),
  };
}
