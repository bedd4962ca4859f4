import type { Caller } from './caller.ts';
import { PartnerError, type UpstreamFacts } from './errors.ts';
import type { UpstreamHttp } from './http.ts';

/** The largest decoded PDF accepted; the base64 text of it is a third larger. */
export const MAX_INVOICE_PDF_BYTES = 32 * 1024 * 1024;

/** [assumed] An invoice id as the file endpoint takes it: 32 hex characters, as the invoice list gives it. */
export function isInvoiceId(value: string): boolean {
  return /^[0-9a-f]{32}$/i.test(value);
}

/** A decoded invoice PDF, kept as the chunks it arrived in: no second whole copy is ever made. */
export interface InvoicePdf {
  chunks: Buffer[];
  byteLength: number;
}

/**
 * GET /partner/invoices/file/{id}. [doc] The body is labelled application/pdf but is the PDF as
 * base64 text; [assumed] a raw `%PDF` body may come too. Both are accepted, decoded as the body
 * arrives, and the result must start with `%PDF-`, else UPSTREAM_BAD_RESPONSE.
 */
export async function fetchInvoicePdf(
  http: UpstreamHttp,
  caller: Caller,
  invoiceId: string,
  maxBytes = MAX_INVOICE_PDF_BYTES,
): Promise<InvoicePdf> {
  const response = await http.stream({
    endpoint: 'invoiceFile',
    path: `/partner/invoices/file/${encodeURIComponent(invoiceId)}`,
    accept: 'application/pdf',
    ...caller,
  });
  const facts: UpstreamFacts = { status: response.status, ...(response.requestId ? { requestId: response.requestId } : {}) };
  if (response.contentLength !== null && response.contentLength > encodedLimit(maxBytes)) throw oversized(facts, maxBytes);
  const decoder = new PdfBodyDecoder(facts, maxBytes);
  for await (const chunk of response.body) decoder.push(chunk);
  return decoder.end();
}

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
const RAW_PDF_START = Buffer.from('%PDF', 'latin1');
const WHITESPACE = /[\t\n\r ]+/g;
const BASE64_RUN = /^[A-Za-z0-9+/]*=*$/;
const PADDING_ONLY = /^=*$/;

function encodedLimit(maxBytes: number): number {
  // base64 text of maxBytes, with room for a line break every 64 characters.
  return Math.ceil(maxBytes / 3) * 4 * 1.05 + 1024;
}

/**
 * Incremental body reader. Base64 quanta may straddle chunk boundaries and lines may be wrapped,
 * so up to three characters are carried from one chunk to the next; nothing else is kept but the
 * decoded bytes. Buffer's own base64 decoder skips bad characters silently, hence the checks.
 */
export class PdfBodyDecoder {
  private mode: 'sniffing' | 'raw' | 'base64' = 'sniffing';
  private head: Buffer = Buffer.alloc(0);
  private carry = '';
  private paddingSeen = 0;
  private readonly chunks: Buffer[] = [];
  private byteLength = 0;

  constructor(
    private readonly facts: UpstreamFacts,
    private readonly maxBytes: number,
  ) {}

  push(chunk: Buffer): void {
    if (this.mode === 'sniffing') {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < RAW_PDF_START.length) return;
      this.mode = this.head.subarray(0, RAW_PDF_START.length).equals(RAW_PDF_START) ? 'raw' : 'base64';
      chunk = this.head;
      this.head = Buffer.alloc(0);
    }
    if (this.mode === 'raw') this.keep(chunk);
    else this.decode(chunk.toString('latin1'));
  }

  end(): InvoicePdf {
    if (this.mode === 'sniffing') this.decode(this.head.toString('latin1'));
    if (this.mode !== 'raw' && this.carry.length > 0) {
      if (this.paddingSeen > 0 || this.carry.length === 1) throw this.notPdf();
      this.keep(Buffer.from(this.carry, 'base64'));
      this.carry = '';
    }
    if (this.byteLength < PDF_MAGIC.length) throw this.notPdf();
    return { chunks: this.chunks, byteLength: this.byteLength };
  }

  private decode(text: string): void {
    const compact = text.replace(WHITESPACE, '');
    if (!(this.paddingSeen > 0 ? PADDING_ONLY : BASE64_RUN).test(compact)) throw this.notPdf();
    const padding = compact.length - compact.replace(/=+$/, '').length;
    this.paddingSeen += padding;
    if (this.paddingSeen > 2) throw this.notPdf();
    const pending = this.carry + compact;
    const whole = pending.length - (pending.length % 4);
    this.carry = pending.slice(whole);
    if (whole > 0) this.keep(Buffer.from(pending.slice(0, whole), 'base64'));
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const before = this.byteLength;
    this.byteLength += bytes.length;
    if (this.byteLength > this.maxBytes) throw oversized(this.facts, this.maxBytes);
    this.chunks.push(bytes);
    // Fail on the first bytes rather than after reading megabytes of something else.
    if (before < PDF_MAGIC.length && this.byteLength >= PDF_MAGIC.length && !this.startsWithMagic()) throw this.notPdf();
  }

  private startsWithMagic(): boolean {
    const first = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks).subarray(0, PDF_MAGIC.length);
    return first !== undefined && first.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC);
  }

  private notPdf(): PartnerError {
    return new PartnerError('UPSTREAM_BAD_RESPONSE', 'The partner API sent an invoice file that is not a PDF.', this.facts);
  }
}

function oversized(facts: UpstreamFacts, maxBytes: number): PartnerError {
  return new PartnerError('UPSTREAM_BAD_RESPONSE', `The partner API sent an invoice file larger than ${maxBytes} bytes.`, facts);
}
