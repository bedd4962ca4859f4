import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxInvoice, startSandbox } from '../../src/sandbox/index.ts';
import { bearer, type ErrorBody, ORG_A, ORG_B, organisation } from './helpers.ts';

/** Checks a PDF's structure: header, trailer, and that startxref and every xref entry point where they must. */
function expectValidPdf(pdf: Buffer): string {
  const text = pdf.toString('latin1');
  expect(text.startsWith('%PDF-1.')).toBe(true);
  expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
  const startxref = /startxref\n(\d+)\n%%EOF\s*$/.exec(text);
  expect(startxref).not.toBeNull();
  const xrefAt = Number(startxref?.[1]);
  expect(text.slice(xrefAt, xrefAt + 5)).toBe('xref\n');
  const table = /^xref\n0 (\d+)\n/.exec(text.slice(xrefAt));
  const size = Number(table?.[1]);
  expect(size).toBeGreaterThanOrEqual(7);
  const entriesAt = xrefAt + (table?.[0].length ?? 0);
  for (let n = 1; n < size; n++) {
    const entry = text.slice(entriesAt + n * 20, entriesAt + (n + 1) * 20);
    expect(entry).toMatch(/^\d{10} 00000 n \n$/);
    const offset = Number(entry.slice(0, 10));
    expect(text.slice(offset, offset + `${n} 0 obj`.length)).toBe(`${n} 0 obj`);
  }
  expect(text).toContain('/Type /Catalog');
  return text;
}

function money(amount: number, currency: string): string {
  return `${currency} ${currency === 'JPY' ? String(amount) : amount.toFixed(2)}`;
}

function hasPdftotext(): boolean {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function download(
  sandbox: Sandbox,
  invoiceId: string,
  org = ORG_A,
): Promise<{ response: Response; body: Buffer }> {
  const response = await fetch(`${sandbox.url}/partner/invoices/file/${invoiceId}`, { headers: bearer(sandbox, org) });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

function invoiceAt(sandbox: Sandbox, index: number, org = ORG_A): SandboxInvoice {
  const invoice = organisation(sandbox, org).invoices[index];
  if (invoice === undefined) throw new Error(`No invoice ${index}`);
  return invoice;
}

describe('invoice PDFs (base64, as documented)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('serves base64 text as application/pdf that decodes to a valid PDF showing number, customer and amount', async () => {
    for (const index of [0, 1, 2, 3, 57, 299]) {
      const invoice = invoiceAt(sandbox, index);
      const { response, body } = await download(sandbox, invoice.id);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      const base64 = body.toString('latin1');
      expect(base64).toMatch(/^JVBERi0[A-Za-z0-9+/]+={0,2}$/);
      const pdf = Buffer.from(base64, 'base64');
      expect(pdf.equals(sandbox.pdfFor(ORG_A, invoice.id))).toBe(true);
      const text = expectValidPdf(pdf);
      const customer = organisation(sandbox).customers.find((c) => c.id === invoice.customerId);
      expect(text).toContain(`(Invoice number: ${invoice.invoiceNumber})`);
      expect(text).toContain(`(Customer: ${customer?.name.replace(/[()\\]/g, (c) => `\\${c}`) ?? 'missing'})`);
      expect(text).toContain(`(Total: ${money(invoice.amount, invoice.currency)})`);
      expect(text).toContain(`(Status: ${invoice.status})`);
    }
  });

  it('renders the same bytes every time, and different bytes for different invoices', async () => {
    const first = await download(sandbox, invoiceAt(sandbox, 5).id);
    const again = await download(sandbox, invoiceAt(sandbox, 5).id);
    const other = await download(sandbox, invoiceAt(sandbox, 6).id);
    expect(first.body.equals(again.body)).toBe(true);
    expect(first.body.equals(other.body)).toBe(false);
  });

  it('answers 404 JSON for an unknown or foreign invoice id', async () => {
    for (const [id, org] of [
      ['00000000000000000000000000000000', ORG_A],
      ['INV00001300', ORG_A],
      [invoiceAt(sandbox, 0, ORG_B).id, ORG_A],
      [invoiceAt(sandbox, 0, ORG_A).id, ORG_B],
      [invoiceAt(sandbox, 0, ORG_A).id.toUpperCase(), ORG_A],
    ] as const) {
      const { response, body } = await download(sandbox, id, org);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect((JSON.parse(body.toString('utf8')) as ErrorBody).message).toContain(id);
    }
    expect(() => sandbox.pdfFor(ORG_B, invoiceAt(sandbox, 0, ORG_A).id)).toThrow(RangeError);
  });

  it.skipIf(!hasPdftotext())('opens in a PDF reader (pdftotext)', async () => {
    const invoice = invoiceAt(sandbox, 0);
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-pdf-'));
    try {
      const file = join(dir, 'invoice.pdf');
      writeFileSync(file, sandbox.pdfFor(ORG_A, invoice.id));
      const extracted = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
      expect(extracted).toContain(invoice.invoiceNumber);
      expect(extracted).toContain(money(invoice.amount, invoice.currency));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rawPdf', () => {
  it('serves the raw %PDF bytes, still as application/pdf', async () => {
    const sandbox = await startSandbox({ port: 0, rawPdf: true, customers: 20, invoices: 20, subscriptions: 0 });
    try {
      const invoice = invoiceAt(sandbox, 3);
      const { response, body } = await download(sandbox, invoice.id);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(body.equals(sandbox.pdfFor(ORG_A, invoice.id))).toBe(true);
      expectValidPdf(body);
    } finally {
      await sandbox.close();
    }
  });
});

describe('largePdfBytes', () => {
  it('pads every 10th invoice to about the requested size, keeping the PDF valid', async () => {
    const target = 10 * 1024 * 1024;
    const sandbox = await startSandbox({
      port: 0,
      largePdfBytes: target,
      customers: 30,
      invoices: 30,
      subscriptions: 0,
    });
    try {
      const large = await download(sandbox, invoiceAt(sandbox, 0).id);
      expect(large.response.headers.get('content-length')).toBe(String(large.body.length));
      const pdf = Buffer.from(large.body.toString('latin1'), 'base64');
      expect(Math.abs(pdf.length - target)).toBeLessThan(4096);
      expect(expectValidPdf(pdf)).toContain(`(Invoice number: ${invoiceAt(sandbox, 0).invoiceNumber})`);
      expect(pdf.equals(sandbox.pdfFor(ORG_A, invoiceAt(sandbox, 0).id))).toBe(true);

      const small = await download(sandbox, invoiceAt(sandbox, 1).id);
      expect(Buffer.from(small.body.toString('latin1'), 'base64').length).toBeLessThan(8192);
      const sizes = [9, 10, 20, 29].map((index) => sandbox.pdfFor(ORG_A, invoiceAt(sandbox, index).id).length);
      expect(sizes.map((size) => size > target - 4096)).toEqual([false, true, true, false]);
    } finally {
      await sandbox.close();
    }
  });
});
