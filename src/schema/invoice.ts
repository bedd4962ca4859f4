import type { Invoice } from '../partner/invoices.ts';
import { builder } from './builder.ts';
import { CONNECTION_ERRORS, PAGING_RULES, forwardPagingArgs } from './paging-args.ts';

export const InvoiceRef = builder.objectRef<Invoice>('Invoice').implement({
  description: 'An invoice of the partner organisation, from the billing provider (Zuora).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The invoice id: 32 hexadecimal characters; globally unique.' }),
    invoiceNumber: t.exposeString('invoiceNumber', { description: 'The human-facing invoice number, e.g. `INV00001234`.' }),
    accountId: t.exposeString('accountId', { description: 'The billing account the invoice belongs to.' }),
    invoiceDate: t.expose('invoiceDate', { type: 'Date', description: 'The date of the invoice.' }),
    dueDate: t.expose('dueDate', { type: 'Date', nullable: true, description: 'When payment is due.' }),
    amount: t.expose('amount', { type: 'Decimal', description: 'The invoice total, exact, in `currency`.' }),
    balance: t.expose('balance', { type: 'Decimal', description: 'What remains to be paid, exact, in `currency`.' }),
    currency: t.exposeString('currency', { description: 'ISO-4217 currency code, e.g. `GBP`.' }),
    status: t.exposeString('status', {
      description: 'Zuora invoice status: `Draft`, `Posted`, `Canceled` or `Error` today. An open set: expect other values.',
    }),
    extra: t.expose('extra', { type: 'JSON', description: 'Every field the partner API sent that this type does not model, unchanged.' }),
  }),
});

const InvoiceConnection = builder.connectionObject(
  { name: 'InvoiceConnection', type: InvoiceRef, description: `A page of invoices, in the partner API's order. ${PAGING_RULES}` },
  { name: 'InvoiceEdge', description: 'An invoice and the cursor that resumes after it.' },
);

builder.queryField('invoices', (t) =>
  t.field({
    type: InvoiceConnection,
    nullable: true,
    description: `Invoices of the partner organisation, newest first. ${CONNECTION_ERRORS}`,
    args: forwardPagingArgs(),
    resolve: (_root, args, ctx) =>
      ctx.pager.page({
        connection: 'invoices',
        bindings: {},
        first: args.first,
        after: args.after,
        exactness: 'lookahead',
        fetchPage: (token, size) => ctx.partner().listInvoices({ token, size }),
      }),
  }),
);
