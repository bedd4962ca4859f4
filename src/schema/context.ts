import type { CustomerLookup } from '../pagination/directory/index.ts';
import type { Pager } from '../pagination/pager.ts';
import type { Caller } from '../partner/caller.ts';
import type { PartnerClient } from '../partner/client.ts';

/** What `Invoice.pdfUrl` needs to mint a link; the downloads module provides it. */
export interface PdfLinks {
  readonly settings: { readonly linkTtlSeconds: number; readonly maxLinkTtlSeconds: number };
  mintInvoicePdfLink(request: {
    token: string;
    invoiceId: string;
    invoiceNumber: string;
    baseUrl: string;
    lifetimeSeconds: number;
  }): Promise<string>;
}

/** What resolvers see, created per request by src/graphql/context.ts: everything that depends on the caller. */
export interface Context {
  /** Null when the request carries no usable credentials; `credentialProblem` says why. */
  caller: Caller | null;
  credentialProblem: string | null;
  /** This request's id in logs and on upstream calls (`x-request-id`). */
  requestId: string;
  /** The partner API for this caller; throws UNAUTHENTICATED when there is no caller. */
  partner(): PartnerClient;
  pager: Pager;
  /** This caller's customers by id, for this operation (it draws on the operation's customer-lookup allowance). */
  customerDirectory: CustomerLookup;
  pdfLinks: PdfLinks;
  /** The facade's public base URL for links in answers; null when the request names no usable host. */
  publicBaseUrl(): string | null;
}
