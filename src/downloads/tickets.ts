import { randomBytes } from 'node:crypto';

/** What a download link stands for. The token is the caller's own, kept only server-side. */
export interface PdfTicket {
  token: string;
  invoiceId: string;
  /** For the file name the browser saves under. */
  invoiceNumber: string;
  /** Epoch milliseconds; the ticket is usable strictly before this instant. */
  expiresAt: number;
}

export type TicketLookup = { state: 'valid'; ticket: PdfTicket } | { state: 'expired' } | { state: 'unknown' };

/**
 * Where tickets live between minting a link and following it. An expired ticket is remembered
 * (without its token) for a while so that its link can answer 410 instead of 404.
 */
export interface TicketStore {
  put(id: string, ticket: PdfTicket): Promise<void>;
  get(id: string): Promise<TicketLookup>;
  close(): Promise<void>;
}

/** How long an expired ticket is still recognised as "expired" (410) before it is "unknown" (404). */
export const EXPIRED_TICKET_MEMORY_MS = 60 * 60 * 1000;

const TICKET_BYTES = 32;
/** 32 random bytes in unpadded base64url. */
export const TICKET_ID = /^[A-Za-z0-9_-]{43}$/;

export function newTicketId(): string {
  return randomBytes(TICKET_BYTES).toString('base64url');
}

/** The most of a ticket id that may appear in logs or metrics: enough to correlate, useless to replay. */
export function ticketLabel(id: string): string {
  return `${id.slice(0, 6)}…`;
}
