import { describe, expect, it } from 'vitest';
import { PartnerError } from '../../src/partner/errors.ts';
import type { UpstreamHttp } from '../../src/partner/http.ts';
import { type InvoicePdf, openInvoicePdf, PdfBodyDecoder } from '../../src/partner/invoice-files.ts';

const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n', 'latin1'),
  Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256)),
]);

function decode(chunks: readonly Buffer[], maxBytes = 1 << 20): Buffer {
  const decoder = new PdfBodyDecoder({ status: 200 }, maxBytes);
  const decoded = chunks.map((chunk) => decoder.push(chunk));
  const whole = Buffer.concat([...decoded, decoder.end()]);
  expect(whole.length).toBe(decoder.decodedBytes());
  return whole;
}

const splitAt = (bytes: Buffer, ...cuts: number[]) =>
  [0, ...cuts, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : (ends[i - 1] ?? 0), end));

const expectNotPdf = (chunks: readonly Buffer[]) => {
  expect(() => decode(chunks)).toThrow(PartnerError);
  try {
    decode(chunks);
  } catch (error) {
    expect(error instanceof PartnerError && error.code).toBe('UPSTREAM_BAD_RESPONSE');
  }
};

describe('PdfBodyDecoder', () => {
  it('decodes base64 split at every position, padded or not', () => {
    for (const pdf of [PDF, PDF.subarray(0, 1001), PDF.subarray(0, 1002)]) {
      const text = Buffer.from(pdf.toString('base64'), 'latin1');
      for (let cut = 1; cut < 40; cut++) expect(decode(splitAt(text, cut)).equals(pdf)).toBe(true);
      for (let cut = text.length - 6; cut < text.length; cut++)
        expect(decode(splitAt(text, cut)).equals(pdf)).toBe(true);
      expect(decode([...text].map((byte) => Buffer.from([byte]))).equals(pdf)).toBe(true);
      const unpadded = Buffer.from(pdf.toString('base64').replace(/=+$/, ''), 'latin1');
      expect(decode(splitAt(unpadded, 7)).equals(pdf)).toBe(true);
    }
  });

  it('skips line breaks and spaces anywhere (MIME-wrapped base64)', () => {
    const wrapped = PDF.toString('base64').replace(/.{1,76}/g, '$&\r\n');
    expect(decode(splitAt(Buffer.from(`  ${wrapped}\n`, 'latin1'), 3, 77, 78, 500)).equals(PDF)).toBe(true);
  });

  it('passes a raw %PDF body through, even one split inside the magic', () => {
    expect(decode(splitAt(PDF, 2, 3, 600)).equals(PDF)).toBe(true);
  });

  it('refuses what is not a PDF, base64 or not', () => {
    expectNotPdf([Buffer.from('{"message":"Invoice not found"}')]);
    expectNotPdf([Buffer.from('<html><body>Invoice unavailable</body></html>')]);
    expectNotPdf([Buffer.from(Buffer.from('%PDX-1.4 not a pdf').toString('base64'))]);
    expectNotPdf([Buffer.from('')]);
    expectNotPdf([Buffer.from('JVB')]);
  });

  it('refuses broken base64: bad characters, data after padding, too much padding, a lone character', () => {
    const text = PDF.toString('base64');
    expectNotPdf([Buffer.from(`${text.slice(0, 100)}*${text.slice(100)}`)]);
    expectNotPdf([Buffer.from(`${text.slice(0, 100)}-${text.slice(100)}`)]); // base64url is not what the upstream sends
    expectNotPdf([Buffer.from(`${text.slice(0, 102)}==`), Buffer.from('QUJD')]);
    expectNotPdf([Buffer.from(`${text.slice(0, 101)}===`)]);
    expectNotPdf([Buffer.from(`${text.slice(0, 100)}Q`)]);
    // Unpadded text (999 bytes encode to whole quanta), where a chunk is checked natively first.
    const unpadded = PDF.subarray(0, 999).toString('base64');
    expect(decode([Buffer.from(unpadded)]).equals(PDF.subarray(0, 999))).toBe(true);
    for (const bad of ['*', '_', '-', '\u00e9', '\u0000']) {
      expectNotPdf([Buffer.from(`${unpadded.slice(0, 400)}${bad}${unpadded.slice(401)}`, 'latin1')]);
      expectNotPdf([Buffer.from(unpadded.slice(0, 400)), Buffer.from(`${bad}${unpadded.slice(401)}`, 'latin1')]);
    }
  });

  it('stops at the size limit', () => {
    const text = Buffer.from(PDF.toString('base64'));
    expect(() => decode([text], 500)).toThrow(/larger than 500 bytes/);
    expect(() => decode([PDF], 500)).toThrow(/larger than 500 bytes/);
  });
});

/** An upstream that hands out `chunks` one at a time, only when asked, and records what happened. */
function scriptedUpstream(chunks: readonly Buffer[], options: { contentLength?: number; failAfter?: number } = {}) {
  const record = { pulled: 0, returned: false };
  async function* body(): AsyncGenerator<Buffer> {
    try {
      for (const [i, chunk] of chunks.entries()) {
        if (options.failAfter === i)
          throw new PartnerError(
            'UPSTREAM_BAD_RESPONSE',
            "The partner API's answer broke off before its announced end.",
          );
        record.pulled++;
        yield chunk;
      }
    } finally {
      record.returned = true;
    }
  }
  const http: UpstreamHttp = {
    get: () => Promise.reject(new Error('not used')),
    stream: async () => ({
      status: 200,
      contentType: 'application/pdf',
      contentLength: options.contentLength ?? null,
      body: body(),
    }),
    close: async () => {},
  };
  return { http, record };
}

const CALLER = { token: 't', headers: {} };
const INVOICE = '0123456789abcdef0123456789abcdef';

async function readAll(pdf: InvoicePdf): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let chunk = await pdf.read(); chunk; chunk = await pdf.read()) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('openInvoicePdf', () => {
  const text = Buffer.from(PDF.toString('base64'), 'latin1');

  it('resolves once the first bytes are %PDF-, having read no further, then reads one upstream chunk per read()', async () => {
    const { http, record } = scriptedUpstream(splitAt(text, 8, 400, 800, 1200));
    const pdf = await openInvoicePdf(http, CALLER, INVOICE);
    expect(record.pulled).toBe(1);
    expect(pdf.byteLength).toBeNull(); // base64: the decoded size is known only at the end
    const first = await pdf.read();
    expect(first?.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(record.pulled).toBe(1);
    const second = await pdf.read();
    expect(record.pulled).toBe(2);
    expect(Buffer.concat([first, second, await readAll(pdf)].filter((part) => part !== null)).equals(PDF)).toBe(true);
  });

  it('knows the exact size of a raw body whose length the upstream announced', async () => {
    const { http } = scriptedUpstream(splitAt(PDF, 100), { contentLength: PDF.length });
    const pdf = await openInvoicePdf(http, CALLER, INVOICE);
    expect(pdf.byteLength).toBe(PDF.length);
    expect((await readAll(pdf)).equals(PDF)).toBe(true);
  });

  it('refuses a body that does not start as a PDF before handing out a byte, and lets the upstream go', async () => {
    const { http, record } = scriptedUpstream([
      Buffer.from('<html><body>Invoice unavailable</body></html>'),
      Buffer.from('more'),
    ]);
    await expect(openInvoicePdf(http, CALLER, INVOICE)).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect(record).toEqual({ pulled: 1, returned: true });
  });

  it('a body that breaks or turns bad later fails the read that meets it, and lets the upstream go', async () => {
    const broken = scriptedUpstream(splitAt(text, 400, 800), { failAfter: 2 });
    const pdf = await openInvoicePdf(broken.http, CALLER, INVOICE);
    await expect(readAll(pdf)).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect(broken.record.returned).toBe(true);

    const bad = scriptedUpstream([text.subarray(0, 400), Buffer.from('*not base64*')]);
    await expect(readAll(await openInvoicePdf(bad.http, CALLER, INVOICE))).rejects.toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
    });
    expect(bad.record.returned).toBe(true);
  });

  it('cancel() stops reading and lets the upstream go', async () => {
    const { http, record } = scriptedUpstream(splitAt(text, 400, 800, 1200));
    const pdf = await openInvoicePdf(http, CALLER, INVOICE);
    await pdf.cancel();
    expect(record).toEqual({ pulled: 1, returned: true });
    expect(await pdf.read()).toBeNull();
  });

  it('refuses an announced length beyond the limit', async () => {
    const { http, record } = scriptedUpstream([text], { contentLength: 10 * 1024 * 1024 });
    await expect(openInvoicePdf(http, CALLER, INVOICE, 1024 * 1024)).rejects.toThrow(/larger than 1048576 bytes/);
    expect(record.returned).toBe(true);
  });
});
