import { describe, expect, it } from 'vitest';
import { PartnerError } from '../../src/partner/errors.ts';
import { PdfBodyDecoder } from '../../src/partner/invoice-files.ts';

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n', 'latin1'), Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256))]);

function decode(chunks: readonly Buffer[], maxBytes = 1 << 20): Buffer {
  const decoder = new PdfBodyDecoder({ status: 200 }, maxBytes);
  for (const chunk of chunks) decoder.push(chunk);
  const pdf = decoder.end();
  const whole = Buffer.concat(pdf.chunks);
  expect(whole.length).toBe(pdf.byteLength);
  return whole;
}

const splitAt = (bytes: Buffer, ...cuts: number[]) => [0, ...cuts, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : (ends[i - 1] ?? 0), end));

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
      for (let cut = text.length - 6; cut < text.length; cut++) expect(decode(splitAt(text, cut)).equals(pdf)).toBe(true);
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
  });

  it('stops at the size limit', () => {
    const text = Buffer.from(PDF.toString('base64'));
    expect(() => decode([text], 500)).toThrow(/larger than 500 bytes/);
    expect(() => decode([PDF], 500)).toThrow(/larger than 500 bytes/);
  });
});
