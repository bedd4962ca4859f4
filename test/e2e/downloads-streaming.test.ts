import { createHash } from 'node:crypto';
import { createServer, get as httpGet, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createDownloads, type Downloads } from '../../src/downloads/downloads.ts';
import { WHOLE_PDF_MAX_BYTES } from '../../src/downloads/route.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createRequestRecords } from '../../src/logging/request-record.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { createUpstreamHttp, type UpstreamHttp } from '../../src/partner/http.ts';
import { type Stack, startStack } from '../support/stack.ts';

const records = createRequestRecords(createLogger({ level: 'silent' }), createMetrics());

/** Every 10th invoice of the sandbox (the newest first) gets a PDF this large: past what is read whole. */
const LARGE_PDF_BYTES = 3 * 1024 * 1024;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function largeInvoiceLink(stack: Stack): Promise<{ id: string; pdfUrl: string }> {
  const { body } = await stack.gql('{ invoices(first: 1) { nodes { id pdfUrl } } }');
  const [invoice] = (body.data?.['invoices'] as { nodes: { id: string; pdfUrl: string }[] }).nodes;
  if (!invoice) throw new Error('the sandbox has no invoice');
  expect(stack.sandbox.pdfFor(stack.orgA.name, invoice.id).length).toBeGreaterThan(WHOLE_PDF_MAX_BYTES);
  return invoice;
}

describe('a PDF larger than what is read whole, as base64 from the upstream', () => {
  let stack: Stack;
  const logLines: string[] = [];
  beforeAll(async () => {
    stack = await startStack({
      sandbox: { largePdfBytes: LARGE_PDF_BYTES },
      env: { LOG_LEVEL: 'info' },
      deps: { logDestination: { write: (line: string) => void logLines.push(line) } },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sandbox.faults.clear());

  it('is streamed byte-exact without a Content-Length (its decoded size is known only at its end)', async () => {
    const invoice = await largeInvoiceLink(stack);
    const res = await fetch(invoice.pdfUrl);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(sha256(bytes)).toBe(sha256(stack.sandbox.pdfFor(stack.orgA.name, invoice.id)));
  });

  it('HEAD answers the headers a GET would, and no body', async () => {
    const invoice = await largeInvoiceLink(stack);
    const res = await fetch(invoice.pdfUrl, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBeNull();
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('an upstream that breaks off after the answer started cuts the transfer: the client never gets a complete-looking file', async () => {
    const invoice = await largeInvoiceLink(stack);
    stack.sandbox.faults.add({ endpoint: 'invoiceFile', kind: 'truncated' }); // half the base64 text, then the connection ends
    logLines.length = 0;
    const res = await fetch(invoice.pdfUrl);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the line is written as the response closes
    const line = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'invoice pdf download');
    expect(line).toMatchObject({ level: 40, status: 200, aborted: true, code: expect.stringMatching(/^UPSTREAM_/) });
  });
});

describe('a large raw %PDF body whose length the upstream announces', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sandbox: { largePdfBytes: LARGE_PDF_BYTES, rawPdf: true } });
  });
  afterAll(() => stack.close());

  it('is streamed with that exact Content-Length', async () => {
    const invoice = await largeInvoiceLink(stack);
    const res = await fetch(invoice.pdfUrl);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(bytes.equals(stack.sandbox.pdfFor(stack.orgA.name, invoice.id))).toBe(true);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
  });
});

describe('a client that reads slowly', () => {
  /** A 24 MiB PDF as base64, made 64 KiB of text at a time, only when the route asks for more. */
  const PDF_BYTES = 24 * 1024 * 1024;
  const BLOCK = 48 * 1024; // a multiple of 3: each block is whole base64 quanta
  let pulled = 0;
  let downloads: Downloads;
  let server: Server;
  let origin: string;

  function* pdfBlocks(): Generator<Buffer> {
    for (let offset = 0; offset < PDF_BYTES; offset += BLOCK) {
      const block = Buffer.alloc(Math.min(BLOCK, PDF_BYTES - offset), offset / BLOCK);
      if (offset === 0) block.write('%PDF-1.4\n', 'latin1');
      yield block;
    }
  }

  const upstream: UpstreamHttp = {
    get: () => Promise.reject(new Error('not used')),
    async stream() {
      pulled = 0;
      async function* body(): AsyncGenerator<Buffer> {
        for (const block of pdfBlocks()) {
          pulled += block.length;
          yield Buffer.from(block.toString('base64'), 'latin1');
        }
      }
      return { status: 200, contentType: 'application/pdf', contentLength: null, body: body() };
    },
    close: async () => {},
  };

  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', PARTNER_API_URL: 'http://127.0.0.1:9/api' });
    downloads = createDownloads({
      settings: config.downloads,
      secret: 'test-cursor-secret-of-at-least-32-chars',
      http: upstream,
      forwardHeaders: [],
    });
    server = createServer((req, res) =>
      downloads.handle(req, res, new URL(req.url ?? '/', 'http://x').pathname, records.start(req, res, 'downloads')),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await downloads.close();
  });

  it('is not read ahead of: the upstream is read about as fast as the client takes the file', async () => {
    const link = await downloads.mintInvoicePdfLink({
      token: 't',
      invoiceId: '0123456789abcdef0123456789abcdef',
      invoiceNumber: 'INV1',
      baseUrl: origin,
      lifetimeSeconds: 60,
    });
    const res = await new Promise<IncomingMessage>((resolve, reject) => httpGet(link, resolve).on('error', reject));
    expect(res.statusCode).toBe(200);
    res.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // What is read whole, plus what the sockets' buffers on both sides hold: not the file.
    expect(pulled).toBeLessThan(PDF_BYTES / 3);
    let received = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) received += chunk.length;
    expect(received).toBe(PDF_BYTES);
    expect(pulled).toBe(PDF_BYTES);
  });
});

describe('a client slower than the upstream timeout', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Large enough that the sockets' buffers cannot hold what is left while the client pauses.
    stack = await startStack({ sandbox: { largePdfBytes: 16 * 1024 * 1024 }, env: { UPSTREAM_TIMEOUT_MS: '1000' } });
  });
  afterAll(() => stack.close());

  it('still gets the whole file: the timeout bounds the upstream, not the reader', async () => {
    const invoice = await largeInvoiceLink(stack);
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpGet(invoice.pdfUrl, resolve).on('error', reject),
    );
    expect(res.statusCode).toBe(200);
    res.pause();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const chunks: Buffer[] = [];
    for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(stack.sandbox.pdfFor(stack.orgA.name, invoice.id)));
  });
});

describe('an upstream that drips a PDF for ever', () => {
  it('is cut at maxDownloadMs: the client sees a truncated transfer and the upstream connection is closed', async () => {
    let upstreamClosed = false;
    const dripping = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      res.write('%PDF-1.4\n');
      const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024, 0x20)), 20); // never a stall, never done
      res.once('close', () => {
        clearInterval(timer);
        upstreamClosed = true;
      });
    });
    await new Promise<void>((resolve) => dripping.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(dripping.address() as AddressInfo).port}/api`;
    const config = loadConfig({ NODE_ENV: 'test', PARTNER_API_URL: upstreamUrl, UPSTREAM_TIMEOUT_MS: '500' });
    const http = createUpstreamHttp({ baseUrl: upstreamUrl, timeoutMs: 500, maxSockets: 4 });
    const downloads = createDownloads({
      settings: { ...config.downloads, maxDownloadMs: 800 },
      secret: 'test-cursor-secret-of-at-least-32-chars',
      http,
      forwardHeaders: [],
    });
    const server = createServer((req, res) =>
      downloads.handle(req, res, new URL(req.url ?? '/', 'http://x').pathname, records.start(req, res, 'downloads')),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const link = await downloads.mintInvoicePdfLink({
        token: 't',
        invoiceId: '0123456789abcdef0123456789abcdef',
        invoiceNumber: 'INV1',
        baseUrl: origin,
        lifetimeSeconds: 60,
      });
      const started = performance.now();
      const res = await new Promise<IncomingMessage>((resolve, reject) => httpGet(link, resolve).on('error', reject));
      expect(res.statusCode).toBe(200);
      const outcome = await new Promise<string>((resolve) => {
        res.on('data', () => undefined);
        res.once('end', () => resolve('ended as if complete'));
        res.once('error', () => resolve('cut'));
        res.once('aborted', () => resolve('cut'));
      });
      expect(outcome).toBe('cut');
      expect(performance.now() - started).toBeLessThan(5_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(upstreamClosed).toBe(true);
    } finally {
      for (const s of [server, dripping]) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
      await downloads.close();
      await http.close();
    }
  });
});
