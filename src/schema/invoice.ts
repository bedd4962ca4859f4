import { GraphQLError } from 'graphql';
import { PartnerError } from '../partner/errors.ts';
import type { Invoice } from '../partner/invoices.ts';
import { builder } from './builder.ts';
import type { Context } from './context.ts';
import { CONNECTION_ERRORS, forwardPagingArgs, PAGING_RULES, type UpstreamPagingExtension } from './paging-args.ts';

export const InvoiceRef = builder.objectRef<Invoice>('Invoice').implement({
  description: 'An invoice of the partner organisation, from the billing provider (Zuora).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The invoice id: 32 hexadecimal characters; globally unique.' }),
    invoiceNumber: t.exposeString('invoiceNumber', {
      description: 'The human-facing invoice number, e.g. `INV00001234`.',
    }),
    accountId: t.exposeString('accountId', { description: 'The billing account the invoice belongs to.' }),
    invoiceDate: t.expose('invoiceDate', { type: 'Date', description: 'The date of the invoice.' }),
    dueDate: t.expose('dueDate', { type: 'Date', nullable: true, description: 'When payment is due.' }),
    amount: t.expose('amount', { type: 'Decimal', description: 'The invoice total, exact, in `currency`.' }),
    balance: t.expose('balance', { type: 'Decimal', description: 'What remains to be paid, exact, in `currency`.' }),
    currency: t.exposeString('currency', { description: 'ISO-4217 currency code, e.g. `GBP`.' }),
    status: t.exposeString('status', {
      description:
        'Zuora invoice status: `Draft`, `Posted`, `Canceled` or `Error` today. An open set: expect other values.',
    }),
    extra: t.expose('extra', {
      type: 'JSON',
      description: 'Every field the partner API sent that this type does not model, unchanged.',
    }),
    pdfUrl: t.field({
      type: 'String',
      description: PDF_URL_DESCRIPTION,
      args: {
        expiresIn: t.arg.int({
          required: false,
          description:
            'Seconds the link stays usable: 1 up to the server maximum (3600 unless configured otherwise). Default: the server default (300 unless configured otherwise).',
        }),
      },
      resolve: (invoice, args, ctx) => invoicePdfLink(invoice, args.expiresIn ?? null, ctx),
    }),
  }),
});

const InvoiceConnection = builder.connectionObject(
  {
    name: 'InvoiceConnection',
    type: InvoiceRef,
    description: `A page of invoices, in the partner API's order. ${PAGING_RULES}`,
  },
  { name: 'InvoiceEdge', description: 'An invoice and the cursor that resumes after it.' },
);

/** How this connection makes hasNextPage exact: read by the pager and the upstream-call budget. */
const PAGING = { exactness: 'lookahead' } as const satisfies UpstreamPagingExtension;

builder.queryField('invoices', (t) =>
  t.field({
    type: InvoiceConnection,
    nullable: true,
    extensions: { upstreamPaging: PAGING },
    description: `Invoices of the partner organisation, newest first. ${CONNECTION_ERRORS}`,
    args: forwardPagingArgs(),
    resolve: (_root, args, ctx) =>
      ctx.pager.page({
        connection: 'invoices',
        bindings: {},
        first: args.first,
        after: args.after,
        exactness: PAGING.exactness,
        fetchPage: (token, size) => ctx.partner().listInvoices({ token, size }),
      }),
  }),
);

const PDF_URL_DESCRIPTION = [
  'An absolute URL that downloads this invoice as a PDF with no header at all: put it in an `<a href>`.',
  'It answers `200 application/pdf` as an attachment named `<invoiceNumber>.pdf`.',
  'The link carries a random ticket, never your token; the server keeps the token until the ticket expires,',
  'so whoever has the link can download this one invoice until then: show it only to the person it is for.',
  'It can be used any number of times until it expires: after `expiresIn` seconds (server default 300, maximum 3600,',
  'unless configured otherwise), and never later than the bearer token itself expires.',
  'Resolving it makes no call to the partner API; the PDF is fetched when the link is followed.',
  'Following it can answer 404 (unknown link), 410 (expired: ask for a new one), 401/403/404 as the partner API says',
  'for the token, 502 (the partner API failed or sent no PDF) or 504 (it timed out).',
  'Errors here: BAD_USER_INPUT when `expiresIn` is out of bounds or the server cannot tell its own public address.',
].join('\n');

const MIN_LINK_SECONDS = 1;

async function invoicePdfLink(invoice: Invoice, expiresIn: number | null, ctx: Context): Promise<string> {
  const { linkTtlSeconds, maxLinkTtlSeconds } = ctx.pdfLinks.settings;
  const lifetimeSeconds = expiresIn ?? linkTtlSeconds;
  if (lifetimeSeconds < MIN_LINK_SECONDS || lifetimeSeconds > maxLinkTtlSeconds) {
    throw new GraphQLError(
      `Argument "expiresIn" must be an integer from ${MIN_LINK_SECONDS} to ${maxLinkTtlSeconds} (seconds).`,
      {
        extensions: { code: 'BAD_USER_INPUT' },
      },
    );
  }
  if (!ctx.caller) throw new PartnerError('UNAUTHENTICATED', ctx.credentialProblem ?? 'Unauthenticated.');
  const baseUrl = ctx.publicBaseUrl();
  if (!baseUrl) {
    throw new GraphQLError(
      'Cannot build a link: the request has no usable Host header and PUBLIC_BASE_URL is not set.',
      {
        extensions: { code: 'BAD_USER_INPUT' },
      },
    );
  }
  return ctx.pdfLinks.mintInvoicePdfLink({
    token: ctx.caller.token,
    invoiceId: invoice.id,
    invoiceNumber: invoice.invoiceNumber,
    baseUrl,
    lifetimeSeconds,
  });
}
