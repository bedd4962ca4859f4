import { z } from 'zod';
import type { Caller } from './caller.ts';
import type { UpstreamHttp } from './http.ts';
import type { UpstreamPage } from './page.ts';
import { isoDate, money, pageToken, parseUpstreamJson, unmodelled } from './parse.ts';

// [assumed] record shape, Zuora's field names: see upstream-contract.md, "GET /partner/invoices".
const invoiceRecord = z.looseObject({
  id: z.string().regex(/^[0-9a-f]{32}$/i, 'a 32-hex invoice id'),
  invoiceNumber: z.string().min(1),
  accountId: z.string().min(1),
  invoiceDate: isoDate,
  dueDate: isoDate.nullish(),
  amount: money,
  balance: money,
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO-4217 code'),
  status: z.string().min(1),
});

const invoicePage = z.looseObject({
  invoices: z.array(invoiceRecord).default([]),
  nextPage: pageToken.nullish(),
});

const MODELLED: ReadonlySet<string> = new Set(['id', 'invoiceNumber', 'accountId', 'invoiceDate', 'dueDate', 'amount', 'balance', 'currency', 'status']);

export interface Invoice {
  id: string;
  invoiceNumber: string;
  accountId: string;
  invoiceDate: string;
  dueDate: string | null;
  /** Exact decimal text, e.g. "1249.50". */
  amount: string;
  balance: string;
  currency: string;
  status: string;
  extra: Record<string, unknown>;
}

export interface InvoiceQuery {
  token: string | null;
  size: number;
}

export async function listInvoices(http: UpstreamHttp, caller: Caller, query: InvoiceQuery): Promise<UpstreamPage<Invoice>> {
  const response = await http.get({
    endpoint: 'invoices',
    path: '/partner/invoices',
    query: { pageSize: query.size, cursor: query.token ?? undefined },
    ...caller,
  });
  const page = parseUpstreamJson(response, invoicePage, 'an invoice page');
  return { records: page.invoices.map(toInvoice), next: page.nextPage ?? null, total: null };
}

function toInvoice(r: z.output<typeof invoiceRecord>): Invoice {
  return {
    id: r.id.toLowerCase(),
    invoiceNumber: r.invoiceNumber,
    accountId: r.accountId,
    invoiceDate: r.invoiceDate,
    dueDate: r.dueDate ?? null,
    amount: r.amount,
    balance: r.balance,
    currency: r.currency,
    status: r.status,
    extra: unmodelled(r, MODELLED),
  };
}
