import type { Caller } from './caller.ts';
import type { UpstreamHttp } from './http.ts';
import type { UpstreamPage } from './page.ts';
import {
  isoDate,
  type JsonObject,
  matchingString,
  moneyAmount,
  nonEmptyString,
  optionalIsoDate,
  optionalPageToken,
  parseUpstreamPage,
  recordList,
  unmodelled,
} from './parse.ts';

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

export async function listInvoices(
  http: UpstreamHttp,
  caller: Caller,
  query: InvoiceQuery,
): Promise<UpstreamPage<Invoice>> {
  const response = await http.get({
    endpoint: 'invoices',
    path: '/partner/invoices',
    query: { pageSize: query.size, cursor: query.token ?? undefined },
    ...caller,
  });
  return parseUpstreamPage(response, 'an invoice page', toInvoicePage);
}

// [assumed] page and record shapes, Zuora's field names: see upstream-contract.md, "GET /partner/invoices".
const INVOICE_ID = /^[0-9a-f]{32}$/i;
const CURRENCY_CODE = /^[A-Z]{3}$/;
const MODELLED: ReadonlySet<string> = new Set([
  'id',
  'invoiceNumber',
  'accountId',
  'invoiceDate',
  'dueDate',
  'amount',
  'balance',
  'currency',
  'status',
]);

function toInvoicePage(page: JsonObject): UpstreamPage<Invoice> {
  const records = recordList(page, 'invoices', toInvoice);
  return { records, next: optionalPageToken(page, 'nextPage'), total: null };
}

function toInvoice(r: JsonObject): Invoice {
  return {
    id: matchingString(r, 'id', INVOICE_ID).toLowerCase(),
    invoiceNumber: nonEmptyString(r, 'invoiceNumber'),
    accountId: nonEmptyString(r, 'accountId'),
    invoiceDate: isoDate(r, 'invoiceDate'),
    dueDate: optionalIsoDate(r, 'dueDate'),
    amount: moneyAmount(r, 'amount'),
    balance: moneyAmount(r, 'balance'),
    currency: matchingString(r, 'currency', CURRENCY_CODE),
    status: nonEmptyString(r, 'status'),
    extra: unmodelled(r, MODELLED),
  };
}
