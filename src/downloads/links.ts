import { jwtExpiry } from '../auth/jwt.ts';
import { newTicketId, type TicketStore } from './tickets.ts';

/** The download route's path prefix; a link is `${base}${DOWNLOAD_PATH}${ticket}.pdf`. */
export const DOWNLOAD_PATH = '/downloads/invoices/';

export interface PdfLinkRequest {
  /** The caller's bearer token: stored with the ticket, never put in the link. */
  token: string;
  invoiceId: string;
  invoiceNumber: string;
  /** The facade's public base URL, without a trailing slash. */
  baseUrl: string;
  lifetimeSeconds: number;
}

/**
 * Stores a ticket and returns its link. No upstream call: the PDF is fetched when the link is
 * followed. A link never outlives the token it stands for (the JWT `exp`, when readable).
 */
export async function mintInvoicePdfLink(
  store: TicketStore,
  now: () => number,
  request: PdfLinkRequest,
): Promise<string> {
  const at = now();
  const tokenExpiry = jwtExpiry(request.token);
  const expiresAt = Math.min(
    at + request.lifetimeSeconds * 1000,
    tokenExpiry !== null && tokenExpiry > at ? tokenExpiry : Number.POSITIVE_INFINITY,
  );
  const id = newTicketId();
  await store.put(id, {
    token: request.token,
    invoiceId: request.invoiceId,
    invoiceNumber: request.invoiceNumber,
    expiresAt,
  });
  return `${request.baseUrl}${DOWNLOAD_PATH}${id}.pdf`;
}
