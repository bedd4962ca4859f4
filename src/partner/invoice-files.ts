import type { Caller } from './caller.ts';
import { PartnerError, type UpstreamFacts } from './errors.ts';
import type { UpstreamHttp } from './http.ts';

/** The largest decoded PDF accepted; the base64 text of it is a third larger. */
export const MAX_INVOICE_PDF_BYTES = 32 * 1024 * 1024;

/** [assumed] An invoice id as the file endpoint takes it: 32 hex characters, as the invoice list gives it. */
export function isInvoiceId(value: string): boolean {
  return /^[0-9a-f]{32}$/i.test(value);
}

/**
 * An invoice PDF being read from the upstream, decoded as it arrives. Nothing is read ahead of
 * `read()`: a caller that waits for its own reader to drain slows the upstream transfer down to it.
 */
export interface InvoicePdf {
  /**
   * The decoded size when the upstream's answer states it exactly: a raw `%PDF` body with a
   * Content-Length. Null for base64 text, whose decoded size depends on its padding and line breaks.
   */
  readonly byteLength: number | null;
  /** The next decoded bytes, or null after the last. A bad, broken or late body throws a PartnerError. */
  read(): Promise<Buffer | null>;
  /** Stops reading and lets the upstream connection go (HEAD, a client that left, an error). Idempotent. */
  cancel(): Promise<void>;
}

/**
 * GET /partner/invoices/file/{id}. [doc] The body is labelled application/pdf but is the PDF as
 * base64 text; [assumed] a raw `%PDF` body may come too. Both are accepted and decoded as the body
 * arrives. Resolves once the first decoded bytes are `%PDF-` (else UPSTREAM_BAD_RESPONSE), so a
 * caller can still answer a clean error before it sends anything; later bytes are checked as read.
 */
export async function openInvoicePdf(
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
  const facts: UpstreamFacts = {
    status: response.status,
    ...(response.requestId ? { requestId: response.requestId } : {}),
  };
  const reader = new InvoicePdfReader(
    response.body[Symbol.asyncIterator](),
    new PdfBodyDecoder(facts, maxBytes),
    response.contentLength,
  );
  try {
    // Read first, refuse after: abandoning a body that was never read would not free its connection.
    await reader.readMagic();
    // A raw body's announced length is the file's; base64 text is about 4/3 of it.
    const limit = reader.byteLength === null ? encodedLimit(maxBytes) : maxBytes;
    if (response.contentLength !== null && response.contentLength > limit) throw oversized(facts, maxBytes);
  } catch (error) {
    await reader.cancel();
    throw error;
  }
  return reader;
}

class InvoicePdfReader implements InvoicePdf {
  /** Bytes decoded while checking the magic, handed out first. */
  private readonly pending: Buffer[] = [];
  private ended = false;

  constructor(
    private readonly upstream: AsyncIterator<Buffer>,
    private readonly decoder: PdfBodyDecoder,
    private readonly announcedLength: number | null,
  ) {}

  get byteLength(): number | null {
    return this.decoder.isRaw() ? this.announcedLength : null;
  }

  async readMagic(): Promise<void> {
    while (!this.ended && this.decoder.decodedBytes() < PDF_MAGIC.length) {
      const bytes = await this.pull();
      if (bytes) this.pending.push(bytes);
    }
  }

  async read(): Promise<Buffer | null> {
    const first = this.pending.shift();
    if (first) return first;
    while (!this.ended) {
      const bytes = await this.pull();
      if (bytes) return bytes;
    }
    return null;
  }

  async cancel(): Promise<void> {
    this.ended = true;
    this.pending.length = 0;
    await this.upstream.return?.();
  }

  /** One upstream chunk decoded (often nothing yet, or the last bytes at the end). */
  private async pull(): Promise<Buffer | null> {
    try {
      const next = await this.upstream.next();
      if (!next.done) return nonEmpty(this.decoder.push(next.value));
      this.ended = true;
      return nonEmpty(this.decoder.end());
    } catch (error) {
      await this.cancel();
      throw error;
    }
  }
}

function nonEmpty(bytes: Buffer): Buffer | null {
  return bytes.length > 0 ? bytes : null;
}

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
const EMPTY: Buffer = Buffer.alloc(0);
const RAW_PDF_START = Buffer.from('%PDF', 'latin1');
/** What each byte of base64 text is (0: not base64). */
const ALPHABET = 1;
const PADDING = 2;
const WHITESPACE = 3;

const EQUALS = '='.charCodeAt(0);
const DASH = '-'.charCodeAt(0);
const UNDERSCORE = '_'.charCodeAt(0);

const BASE64_BYTES: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') table[c.charCodeAt(0)] = ALPHABET;
  table['='.charCodeAt(0)] = PADDING;
  for (const c of '\t\n\r ') table[c.charCodeAt(0)] = WHITESPACE;
  return table;
})();

function encodedLimit(maxBytes: number): number {
  // base64 text of maxBytes, with room for a line break every 64 characters.
  return Math.ceil(maxBytes / 3) * 4 * 1.05 + 1024;
}

/**
 * Incremental body decoder: each pushed chunk gives back the bytes it completes. Base64 quanta may
 * straddle chunk boundaries and lines may be wrapped, so up to three characters are carried from
 * one chunk to the next, and nothing else is kept. Buffer's own base64 decoder skips bad
 * characters silently, hence the checks.
 */
export class PdfBodyDecoder {
  private mode: 'sniffing' | 'raw' | 'base64' = 'sniffing';
  private head: Buffer = EMPTY;
  /** The first decoded bytes, until there are enough to compare with `%PDF-`. */
  private start: Buffer = EMPTY;
  private carry = '';
  private paddingSeen = 0;
  private byteLength = 0;

  constructor(
    private readonly facts: UpstreamFacts,
    private readonly maxBytes: number,
  ) {}

  decodedBytes(): number {
    return this.byteLength;
  }

  isRaw(): boolean {
    return this.mode === 'raw';
  }

  push(chunk: Buffer): Buffer {
    if (this.mode === 'sniffing') {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < RAW_PDF_START.length) return EMPTY;
      this.mode = this.head.subarray(0, RAW_PDF_START.length).equals(RAW_PDF_START) ? 'raw' : 'base64';
      chunk = this.head;
      this.head = EMPTY;
    }
    return this.checked(this.mode === 'raw' ? chunk : this.decode(chunk));
  }

  /** The last bytes; throws if the body as a whole was not a PDF. */
  end(): Buffer {
    let last: Buffer = EMPTY;
    if (this.mode === 'sniffing') last = this.checked(this.decode(this.head));
    if (this.mode !== 'raw' && this.carry.length > 0) {
      if (this.paddingSeen > 0 || this.carry.length === 1) throw this.notPdf();
      last = Buffer.concat([last, this.checked(Buffer.from(this.carry, 'base64'))]);
      this.carry = '';
    }
    if (this.byteLength < PDF_MAGIC.length) throw this.notPdf();
    return last;
  }

  /**
   * Checks and decodes one chunk of base64 text: whitespace dropped, only the alphabet, and padding
   * only at the very end, at most two. (Regular expressions over the text were a third of a
   * download's CPU.)
   */
  private decode(chunk: Buffer): Buffer {
    return this.decodePlain(chunk) ?? this.decodeChecked(chunk);
  }

  /**
   * The common chunk, checked natively: no padding yet and none of `=`, `-`, `_` in it (Node's
   * decoder would take the URL-safe letters), so decoding every 4 characters to exactly 3 bytes
   * proves them all base64 (Node skips anything else). Null: let the byte-by-byte check decide.
   */
  private decodePlain(chunk: Buffer): Buffer | null {
    if (this.paddingSeen > 0 || chunk.includes(EQUALS) || chunk.includes(DASH) || chunk.includes(UNDERSCORE))
      return null;
    const pending = this.carry + chunk.toString('latin1');
    const whole = pending.length - (pending.length % 4);
    const bytes = whole > 0 ? Buffer.from(pending.slice(0, whole), 'base64') : EMPTY;
    if (bytes.length !== (whole / 4) * 3) return null;
    this.carry = pending.slice(whole);
    return bytes;
  }

  private decodeChecked(chunk: Buffer): Buffer {
    const compact = Buffer.allocUnsafe(chunk.length);
    let length = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      const kind = BASE64_BYTES[byte];
      if (kind === WHITESPACE) continue;
      if (kind !== ALPHABET && kind !== PADDING) throw this.notPdf();
      if (kind === ALPHABET && this.paddingSeen > 0) throw this.notPdf();
      if (kind === PADDING && ++this.paddingSeen > 2) throw this.notPdf();
      compact[length++] = byte;
    }
    const pending = this.carry + compact.toString('latin1', 0, length);
    const whole = pending.length - (pending.length % 4);
    this.carry = pending.slice(whole);
    return whole > 0 ? Buffer.from(pending.slice(0, whole), 'base64') : EMPTY;
  }

  /** Counts the bytes against the limit, and fails on the first bytes rather than after megabytes of something else. */
  private checked(bytes: Buffer): Buffer {
    this.byteLength += bytes.length;
    if (this.byteLength > this.maxBytes) throw oversized(this.facts, this.maxBytes);
    if (this.start.length < PDF_MAGIC.length && bytes.length > 0) {
      this.start = Buffer.concat([this.start, bytes.subarray(0, PDF_MAGIC.length - this.start.length)]);
      if (!this.start.equals(PDF_MAGIC.subarray(0, this.start.length))) throw this.notPdf();
    }
    return bytes;
  }

  private notPdf(): PartnerError {
    return new PartnerError(
      'UPSTREAM_BAD_RESPONSE',
      'The partner API sent an invoice file that is not a PDF.',
      this.facts,
    );
  }
}

function oversized(facts: UpstreamFacts, maxBytes: number): PartnerError {
  return new PartnerError(
    'UPSTREAM_BAD_RESPONSE',
    `The partner API sent an invoice file larger than ${maxBytes} bytes.`,
    facts,
  );
}
