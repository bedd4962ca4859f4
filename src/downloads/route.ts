import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizationValues, readCredentials } from '../auth/credentials.ts';
import { forwardedHeaders } from '../auth/forwarded-headers.ts';
import { responseDeadline } from '../lib/deadline.ts';
import { sendError as sendErrorBody } from '../lib/respond.ts';
import { type Semaphore, SemaphoreFullError } from '../lib/semaphore.ts';
import type { RequestRecord } from '../logging/request-record.ts';
import type { Caller } from '../partner/caller.ts';
import { PartnerError } from '../partner/errors.ts';
import type { UpstreamHttp } from '../partner/http.ts';
import { type InvoicePdf, isInvoiceId, openInvoicePdf } from '../partner/invoice-files.ts';
import { DOWNLOAD_PATH } from './links.ts';
import { TICKET_ID, type TicketStore, ticketLabel } from './tickets.ts';

export interface DownloadRouteDeps {
  store: TicketStore;
  http: UpstreamHttp;
  /** Bounds how many PDFs this process fetches and sends at once; the others wait their turn. */
  transfers: Semaphore;
  /** A download still running after this long is cut (DownloadSettings.maxDownloadMs). */
  maxDownloadMs: number;
  /** Caller headers (lower case) that may travel upstream, e.g. x-request-id. */
  forwardHeaders: readonly string[];
}

/** What a download path names: a ticket from a link, or an invoice id for a caller with a token. */
type DownloadTarget = { kind: 'ticket'; ticket: string } | { kind: 'invoice'; invoiceId: string };

interface Download {
  caller: Caller;
  invoiceId: string;
  fileName: string;
}

/** One download request and its record (the log line says what the path named, never a whole ticket). */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record: RequestRecord;
}

/** Every answer of this route: a capability URL must not leak through caches or Referer. */
const PRIVATE_HEADERS = {
  'cache-control': 'private, no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/**
 * `GET|HEAD /downloads/invoices/{ticket}.pdf` (a link from `Invoice.pdfUrl`, no header needed) and
 * `GET|HEAD /downloads/invoices/{invoiceId}.pdf` with `Authorization: Bearer`. `path` is the
 * already normalised pathname; anything else under /downloads is 404 before any lookup.
 */
export function createDownloadRoute(
  deps: DownloadRouteDeps,
): (req: IncomingMessage, res: ServerResponse, path: string, record: RequestRecord) => void {
  return (req, res, path, record) => {
    const exchange: Exchange = { req, res, record };
    record.note({ target: 'invalid' });
    res.setHeader('x-request-id', record.id);
    serve(deps, exchange, path).catch(() => {
      record.code('INTERNAL_SERVER_ERROR');
      if (!res.headersSent) sendError(exchange, 500, 'INTERNAL_SERVER_ERROR', 'The download failed.');
      else res.destroy();
    });
  };
}

export function downloadTarget(path: string): DownloadTarget | null {
  if (!path.startsWith(DOWNLOAD_PATH) || !path.endsWith('.pdf')) return null;
  const name = path.slice(DOWNLOAD_PATH.length, -'.pdf'.length);
  if (TICKET_ID.test(name)) return { kind: 'ticket', ticket: name };
  if (isInvoiceId(name)) return { kind: 'invoice', invoiceId: name.toLowerCase() };
  return null;
}

async function serve(deps: DownloadRouteDeps, exchange: Exchange, path: string): Promise<void> {
  const { req, res } = exchange;
  const target = downloadTarget(path);
  if (!target) return sendError(exchange, 404, 'NOT_FOUND', 'No such download.');
  exchange.record.note(
    target.kind === 'ticket'
      ? { target: 'ticket', ticketPrefix: ticketLabel(target.ticket) }
      : { target: 'invoice', invoiceId: target.invoiceId },
  );
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendError(exchange, 405, 'METHOD_NOT_ALLOWED', 'Use GET or HEAD.', { allow: 'GET, HEAD' });
  }
  const { signal } = responseDeadline(res, deps.maxDownloadMs);
  const download =
    target.kind === 'ticket'
      ? await fromTicket(deps, exchange, target.ticket, signal)
      : fromAuthorization(deps, exchange, target.invoiceId, signal);
  if (!download) return;
  exchange.record.note({ invoiceId: download.invoiceId });

  let release: () => void;
  try {
    release = await deps.transfers.acquire(signal);
  } catch (error) {
    if (error instanceof SemaphoreFullError)
      return sendError(exchange, 503, 'BUSY', 'Too many downloads at once; retry shortly.', { 'retry-after': '1' });
    return; // the client went away while waiting
  }
  try {
    const pdf = await openInvoicePdf(deps.http, download.caller, download.invoiceId);
    try {
      await sendPdf(exchange, pdf, download.fileName);
    } finally {
      await pdf.cancel();
    }
  } catch (error) {
    if (!(error instanceof PartnerError)) throw error;
    sendUpstreamError(exchange, error);
  } finally {
    release();
  }
}

async function fromTicket(
  deps: DownloadRouteDeps,
  exchange: Exchange,
  ticket: string,
  signal: AbortSignal,
): Promise<Download | null> {
  let found: Awaited<ReturnType<TicketStore['get']>>;
  try {
    found = await deps.store.get(ticket);
  } catch {
    sendError(exchange, 503, 'TICKETS_UNAVAILABLE', 'Downloads are unavailable right now; retry shortly.', {
      'retry-after': '5',
    });
    return null;
  }
  if (found.state !== 'valid') {
    if (found.state === 'expired')
      sendError(exchange, 410, 'LINK_EXPIRED', 'This download link has expired; ask for a new one.');
    else sendError(exchange, 404, 'NOT_FOUND', 'This download link is not valid.');
    return null;
  }
  const { token, invoiceId, invoiceNumber } = found.ticket;
  return { caller: { token, headers: upstreamHeaders(deps, exchange), signal }, invoiceId, fileName: invoiceNumber };
}

function fromAuthorization(
  deps: DownloadRouteDeps,
  exchange: Exchange,
  invoiceId: string,
  signal: AbortSignal,
): Download | null {
  const values = authorizationValues(exchange.req);
  const credentials = readCredentials(values);
  if (!credentials.ok) {
    const hint =
      values.length === 0
        ? 'Follow a link from Invoice.pdfUrl, or send `Authorization: Bearer <token>`.'
        : credentials.problem;
    sendError(exchange, 401, 'UNAUTHENTICATED', hint, { 'www-authenticate': 'Bearer' });
    return null;
  }
  return {
    caller: { token: credentials.token, headers: upstreamHeaders(deps, exchange), signal },
    invoiceId,
    fileName: invoiceId,
  };
}

/**
 * A PDF up to this size is read whole before the answer starts, so it gets an exact Content-Length
 * and any upstream failure is still a clean error status. A larger one is streamed as it arrives:
 * at most this much is held per transfer, whatever the size of the file.
 */
export const WHOLE_PDF_MAX_BYTES = 1024 * 1024;

/**
 * Content-Length is sent when it is known: the whole PDF was read, or the upstream announced a raw
 * body's size. Otherwise the answer is chunked, and an upstream failure after the headers destroys
 * the connection, so the client sees a truncated transfer rather than a file that looks complete.
 */
async function sendPdf({ req, res, record }: Exchange, pdf: InvoicePdf, fileName: string): Promise<void> {
  const head = await readHead(pdf);
  const length = head.whole ? head.byteLength : pdf.byteLength;
  res.writeHead(200, {
    ...PRIVATE_HEADERS,
    'content-type': 'application/pdf',
    ...(length === null ? {} : { 'content-length': String(length) }),
    'content-disposition': `attachment; filename="${safeFileName(fileName)}.pdf"`,
  });
  if (req.method === 'HEAD') return void res.end();
  let sent = 0;
  for await (const chunk of remainingBytes(head, pdf)) {
    if (res.destroyed) return;
    sent += chunk.length;
    record.note({ bytes: sent });
    if (length !== null && sent > length) throw lengthMismatch();
    // Nothing more is read from the upstream until the client has taken this.
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  if (length !== null && sent !== length) throw lengthMismatch();
  res.end();
}

interface PdfHead {
  chunks: Buffer[];
  byteLength: number;
  /** The head is the entire file. */
  whole: boolean;
}

/** The head's chunks (each let go once handed out), then the rest of the file as it arrives. */
async function* remainingBytes(head: PdfHead, pdf: InvoicePdf): AsyncGenerator<Buffer> {
  for (let chunk = head.chunks.shift(); chunk; chunk = head.chunks.shift()) yield chunk;
  if (head.whole) return;
  for (let chunk = await pdf.read(); chunk; chunk = await pdf.read()) yield chunk;
}

/** The first bytes: the whole file if it ends within WHOLE_PDF_MAX_BYTES, else just past that. */
async function readHead(pdf: InvoicePdf): Promise<PdfHead> {
  const chunks: Buffer[] = [];
  let byteLength = 0;
  while (byteLength <= WHOLE_PDF_MAX_BYTES) {
    const chunk = await pdf.read();
    if (!chunk) return { chunks, byteLength, whole: true };
    chunks.push(chunk);
    byteLength += chunk.length;
  }
  return { chunks, byteLength, whole: false };
}

function lengthMismatch(): PartnerError {
  return new PartnerError('UPSTREAM_BAD_RESPONSE', 'The partner API sent a PDF of another size than it announced.');
}

/**
 * A reader that takes nothing for this long is cut off: it holds a transfer slot and an upstream
 * connection, and a few such readers would otherwise stall every download of the process.
 */
const STALLED_READER_MS = 30_000;

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const stalled = setTimeout(() => res.destroy(), STALLED_READER_MS);
    const done = () => {
      clearTimeout(stalled);
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** Upstream 401/403/404 keep their status; a timeout is 504; any other failure, or a non-PDF, is 502. */
function sendUpstreamError(exchange: Exchange, error: PartnerError): void {
  if (exchange.res.headersSent) {
    // No status is left to send: cut the transfer, so the client sees a truncated file. A client
    // that had already left made the upstream call fail, so that is no upstream failure to log.
    if (!exchange.res.destroyed) exchange.record.code(error.code);
    return void exchange.res.destroy();
  }
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return sendError(exchange, 401, error.code, 'The partner API refused the credentials for this invoice.', {
        'www-authenticate': 'Bearer',
      });
    case 'FORBIDDEN':
      return sendError(exchange, 403, error.code, 'The partner API refused access to this invoice.');
    case 'NOT_FOUND':
      return sendError(exchange, 404, error.code, 'The partner API has no such invoice.');
    case 'RATE_LIMITED':
      return sendError(exchange, 429, error.code, 'The partner API is rate limiting; retry later.', {
        'retry-after': String(error.retryAfter ?? 1),
      });
    case 'UPSTREAM_TIMEOUT':
      return sendError(exchange, 504, error.code, 'The partner API did not answer in time.');
    default:
      return sendError(exchange, 502, error.code, 'The partner API did not deliver the invoice PDF.');
  }
}

function sendError(
  { res, record }: Exchange,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  record.code(code);
  sendErrorBody(res, status, code, message, { ...headers, ...PRIVATE_HEADERS });
}

/** Allowlisted caller headers, with this request's id as `x-request-id` so upstream lines correlate. */
function upstreamHeaders(deps: DownloadRouteDeps, { req, record }: Exchange): Record<string, string> {
  return forwardedHeaders((name) => req.headers[name], deps.forwardHeaders, record.id);
}

/** Invoice numbers are plain (INV00001234); anything else is replaced so the header stays well-formed. */
function safeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return safe || 'invoice';
}
