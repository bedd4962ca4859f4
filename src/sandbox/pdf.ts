// A one-page invoice PDF written by hand: standard Type 1 fonts, an uncompressed
// content stream (so tests can find the text in the bytes) and a correct xref table.
// Rendered per request, deterministically from the invoice; optionally padded with an
// unreferenced stream object to a target size for memory tests.
import { createCipheriv, createHash } from 'node:crypto';
import type { SandboxCustomer, SandboxInvoice } from './types.ts';

export interface InvoicePdfInput {
  invoice: SandboxInvoice;
  customer: SandboxCustomer | undefined;
  /** The partner organisation's display name, printed as the seller. */
  seller: string;
  /** Pad the file to about this many bytes. */
  padToBytes?: number;
}

const PAGE_WIDTH = 595;
const PAGE_HEIGHT = 842;

/** How money is printed: two decimals, none for JPY. */
function formatMoney(amount: number, currency: string): string {
  return `${currency} ${currency === 'JPY' ? amount.toFixed(0) : amount.toFixed(2)}`;
}

export function renderInvoicePdf(input: InvoicePdfInput): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
      '/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
    streamObject(Buffer.from(contentStream(input), 'latin1')),
    infoDictionary(input),
  ].map((object) => (typeof object === 'string' ? Buffer.from(object, 'latin1') : object));

  const unpadded = assemble(objects, input.invoice.id);
  const target = input.padToBytes ?? 0;
  if (unpadded.length >= target) return unpadded;
  const overhead = 64; // the padding object's own header and xref entry
  const padding = paddingBytes(Math.max(0, target - unpadded.length - overhead), input.invoice.id);
  return assemble([...objects, streamObject(padding)], input.invoice.id);
}

function contentStream({ invoice, customer, seller }: InvoicePdfInput): string {
  const taxMinor = Math.round(invoice.taxAmount * 100);
  const net = (Math.round(invoice.amount * 100) - taxMinor) / 100;
  const lines: string[] = [
    text(50, 790, 'F2', 18, seller),
    text(430, 790, 'F2', 22, 'INVOICE'),
    text(50, 740, 'F1', 11, `Invoice number: ${invoice.invoiceNumber}`),
    text(50, 724, 'F1', 11, `Invoice date: ${invoice.invoiceDate}`),
    text(50, 708, 'F1', 11, `Due date: ${invoice.dueDate} (${invoice.paymentTerm})`),
    text(50, 692, 'F1', 11, `Status: ${invoice.status}`),
    text(320, 740, 'F2', 11, 'Bill to'),
    text(320, 724, 'F1', 11, `Customer: ${customer?.name ?? invoice.customerId}`),
    text(320, 708, 'F1', 11, customer?.email ?? ''),
    text(320, 692, 'F1', 9, `Customer ID: ${invoice.customerId}`),
    text(320, 678, 'F1', 9, `Account: ${invoice.accountId}`),
    '0.6 G 50 640 m 545 640 l S',
    text(50, 625, 'F2', 11, 'Description'),
    text(420, 625, 'F2', 11, 'Amount'),
    text(50, 605, 'F1', 11, 'Subscription charges'),
    text(420, 605, 'F1', 11, formatMoney(net, invoice.currency)),
    text(50, 589, 'F1', 11, 'Tax'),
    text(420, 589, 'F1', 11, formatMoney(invoice.taxAmount, invoice.currency)),
    '50 575 m 545 575 l S',
    text(50, 558, 'F2', 12, `Total: ${formatMoney(invoice.amount, invoice.currency)}`),
    text(50, 540, 'F1', 11, `Balance due: ${formatMoney(invoice.balance, invoice.currency)}`),
    text(50, 60, 'F1', 8, `Invoice ${invoice.id} - Partner Graph sandbox: test data, not a real invoice.`),
  ];
  return `${lines.join('\n')}\n`;
}

function text(x: number, y: number, font: 'F1' | 'F2', size: number, value: string): string {
  return `BT /${font} ${size} Tf ${x} ${y} Td (${pdfString(value)}) Tj ET`;
}

/** Escapes a PDF literal string; characters outside Latin-1 (WinAnsi) become '?'. */
function pdfString(value: string): string {
  return value.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\u0020-\u00ff]/g, '?');
}

function infoDictionary({ invoice, seller }: InvoicePdfInput): string {
  const created = invoice.createdDate.replace(/[-:T]/g, '').slice(0, 14);
  return (
    `<< /Title (${pdfString(`Invoice ${invoice.invoiceNumber}`)}) /Author (${pdfString(seller)}) ` +
    `/Producer (Partner Graph sandbox) /CreationDate (D:${created}Z) >>`
  );
}

function streamObject(content: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`<< /Length ${content.length} >>\nstream\n`, 'latin1'),
    content,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

/** Writes the file: header, numbered objects, xref with exact offsets, trailer. */
function assemble(objects: readonly Buffer[], invoiceId: string): Buffer {
  // The second line marks the file as binary, as PDF writers conventionally do.
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n', 'latin1')];
  let offset = chunks[0]?.length ?? 0;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(offset);
    const chunk = Buffer.concat([
      Buffer.from(`${index + 1} 0 obj\n`, 'latin1'),
      body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    chunks.push(chunk);
    offset += chunk.length;
  });
  const fileId = createHash('md5').update(invoiceId).digest('hex');
  const xref = [
    'xref',
    `0 ${objects.length + 1}`,
    '0000000000 65535 f ',
    ...offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n `),
    'trailer',
    `<< /Size ${objects.length + 1} /Root 1 0 R /Info 7 0 R /ID [<${fileId}> <${fileId}>] >>`,
    'startxref',
    String(offset),
    '%%EOF',
    '',
  ].join('\n');
  chunks.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(chunks);
}

/**
 * Deterministic, incompressible filler, so a padded PDF stays large when gzipped: an AES-CTR
 * keystream keyed by the invoice id (native, so 10 MB take milliseconds). Not a secret.
 */
function paddingBytes(length: number, invoiceId: string): Buffer {
  const key = createHash('sha256').update(`pdf-padding:${invoiceId}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return cipher.update(Buffer.alloc(length));
}
