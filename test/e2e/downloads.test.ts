import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXPIRED_TICKET_MEMORY_MS } from '../../src/downloads/tickets.ts';
import { type Stack, startStack } from '../support/stack.ts';

/** The clock tickets expire by: tests move it, nothing sleeps. */
let clock = Date.now();
/** Every JSON log line the facade writes. */
const logLines: string[] = [];
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    env: { UPSTREAM_TIMEOUT_MS: '1500', LOG_LEVEL: 'debug' },
    deps: { now: () => clock, logDestination: { write: (line: string) => void logLines.push(line) } },
  });
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.sandbox.faults.clear();
  stack.sandbox.calls.clear();
});

interface MintedInvoice {
  id: string;
  invoiceNumber: string;
  pdfUrl: string;
}

async function mint(
  first: number,
  options: { expiresIn?: number; token?: string; headers?: Record<string, string> } = {},
): Promise<MintedInvoice[]> {
  const { status, body } = await stack.gql(
    'query ($first: Int, $expiresIn: Int) { invoices(first: $first) { nodes { id invoiceNumber pdfUrl(expiresIn: $expiresIn) } } }',
    { first, expiresIn: options.expiresIn },
    { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
  );
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return (body.data?.['invoices'] as { nodes: MintedInvoice[] }).nodes;
}

async function mintOne(options: Parameters<typeof mint>[1] = {}): Promise<MintedInvoice> {
  const [invoice] = await mint(1, options);
  if (!invoice) throw new Error('the sandbox has no invoice');
  return invoice;
}

const fileCalls = () => stack.sandbox.calls.count({ endpoint: 'invoiceFile' });

async function download(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Sends the request target byte for byte (fetch would normalise `..` and escapes first). */
function rawGet(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(stack.origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ticketOf = (url: string) => /\/downloads\/invoices\/([A-Za-z0-9_-]{43})\.pdf$/.exec(url)?.[1] ?? '';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('Invoice.pdfUrl', () => {
  it('resolving links makes no upstream file call and each link holds a fresh 256-bit ticket', async () => {
    const invoices = await mint(5);
    expect(fileCalls()).toBe(0);
    expect(stack.sandbox.calls.list().every((call) => call.endpoint === 'invoices')).toBe(true);
    for (const invoice of invoices)
      expect(invoice.pdfUrl).toMatch(new RegExp(`^${stack.origin}/downloads/invoices/[A-Za-z0-9_-]{43}\\.pdf$`));
    expect(new Set(invoices.map((i) => ticketOf(i.pdfUrl))).size).toBe(5);
  });

  it('never carries the bearer token, in any encoding', async () => {
    const { pdfUrl } = await mintOne();
    const token = stack.orgA.token;
    const forms = [
      token,
      Buffer.from(token).toString('base64'),
      Buffer.from(token).toString('base64url'),
      Buffer.from(token).toString('hex'),
      encodeURIComponent(token),
      encodeURIComponent(Buffer.from(token).toString('base64')),
      ...token.split('.'), // each JWT segment on its own
    ];
    for (const form of forms) {
      expect(pdfUrl).not.toContain(form);
      expect(decodeURIComponent(pdfUrl)).not.toContain(form);
    }
  });

  it.each([0, -5, 3601, 100_000])('expiresIn %i is BAD_USER_INPUT', async (expiresIn) => {
    const { body } = await stack.gql('query ($e: Int) { invoices(first: 1) { nodes { pdfUrl(expiresIn: $e) } } }', {
      e: expiresIn,
    });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('from 1 to 3600');
  });

  it('uses the Host header, and ignores X-Forwarded-* unless the proxy is trusted', async () => {
    const { pdfUrl } = await mintOne({ headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } });
    expect(pdfUrl.startsWith(`${stack.origin}/downloads/invoices/`)).toBe(true);
  });
});

describe('GET /downloads/invoices/{ticket}.pdf', () => {
  it('serves exactly the sandbox PDF with no header, as an attachment that is never cached', async () => {
    const invoice = await mintOne();
    const { res, bytes } = await download(invoice.pdfUrl);
    expect(res.status).toBe(200);
    expect(sha256(bytes)).toBe(sha256(stack.sandbox.pdfFor(stack.orgA.name, invoice.id)));
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${invoice.invoiceNumber}.pdf"`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const [call] = stack.sandbox.calls.list({ endpoint: 'invoiceFile' });
    expect(call?.path).toBe(`/api/partner/invoices/file/${invoice.id}`);
    expect(call?.organisation).toBe(stack.orgA.name);
  });

  it('works any number of times until it expires, then answers 410, then 404 once forgotten: no upstream call after expiry', async () => {
    const invoice = await mintOne();
    expect((await download(invoice.pdfUrl)).res.status).toBe(200);
    clock += 299_000;
    expect((await download(invoice.pdfUrl)).res.status).toBe(200);
    clock += 1_000; // exactly 300 s after minting
    stack.sandbox.calls.clear();
    const { res, bytes } = await download(invoice.pdfUrl);
    expect(res.status).toBe(410);
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ errors: [{ extensions: { code: 'LINK_EXPIRED' } }] });
    expect(fileCalls()).toBe(0);
    clock += EXPIRED_TICKET_MEMORY_MS;
    expect((await download(invoice.pdfUrl)).res.status).toBe(404);
    expect(fileCalls()).toBe(0);
  });

  it('honours a shorter expiresIn', async () => {
    const invoice = await mintOne({ expiresIn: 30 });
    clock += 29_999;
    expect((await download(invoice.pdfUrl)).res.status).toBe(200);
    clock += 1;
    expect((await download(invoice.pdfUrl)).res.status).toBe(410);
  });

  it('HEAD answers the same headers with no body', async () => {
    const invoice = await mintOne();
    const size = stack.sandbox.pdfFor(stack.orgA.name, invoice.id).length;
    const { res, bytes } = await download(invoice.pdfUrl, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(size));
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(bytes.length).toBe(0);
  });

  it('a changed ticket, or an invoice id in its place, fails with no upstream call', async () => {
    const [first, second] = await mint(2);
    if (!first || !second) throw new Error('need two invoices');
    const ticket = ticketOf(first.pdfUrl);
    const changed = `${ticket.slice(0, 10)}${ticket[10] === 'A' ? 'B' : 'A'}${ticket.slice(11)}`;
    stack.sandbox.calls.clear();
    expect((await download(`${stack.origin}/downloads/invoices/${changed}.pdf`)).res.status).toBe(404);
    const byId = await download(`${stack.origin}/downloads/invoices/${second.id}.pdf`);
    expect(byId.res.status).toBe(401);
    expect(byId.res.headers.get('www-authenticate')).toBe('Bearer');
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it("a link minted with organisation A's token only ever fetches A's invoice, whatever header comes with it", async () => {
    const invoice = await mintOne();
    const { res, bytes } = await download(invoice.pdfUrl, { headers: { authorization: `Bearer ${stack.orgB.token}` } });
    expect(res.status).toBe(200);
    expect(bytes.equals(stack.sandbox.pdfFor(stack.orgA.name, invoice.id))).toBe(true);
    expect(stack.sandbox.calls.list({ endpoint: 'invoiceFile' }).map((c) => c.organisation)).toEqual([stack.orgA.name]);

    const [invoiceOfB] = await mint(1, { token: stack.orgB.token });
    if (!invoiceOfB) throw new Error('organisation B has no invoice');
    const ofB = await download(invoiceOfB.pdfUrl);
    expect(ofB.bytes.equals(stack.sandbox.pdfFor(stack.orgB.name, invoiceOfB.id))).toBe(true);
    expect(ofB.bytes.equals(bytes)).toBe(false);
  });

  it.each([
    ['encoded traversal', '/downloads/invoices/..%2F..%2Fgraphql.pdf'],
    ['dot-segment traversal', '/downloads/invoices/%2e%2e/%2e%2e/etc/passwd.pdf'],
    ['double-encoded traversal', '/downloads/invoices/%252e%252e%252fsecret.pdf'],
    ['a NUL byte', '/downloads/invoices/%00.pdf'],
    ['an oversized ticket', `/downloads/invoices/${'A'.repeat(5000)}.pdf`],
    ['a ticket one character short', `/downloads/invoices/${'A'.repeat(42)}.pdf`],
    ['a ticket one character long', `/downloads/invoices/${'A'.repeat(44)}.pdf`],
    ['standard base64 characters', `/downloads/invoices/${'A+/'.repeat(14)}A.pdf`],
    ['no .pdf suffix', `/downloads/invoices/${'A'.repeat(43)}`],
    ['a trailing segment', `/downloads/invoices/${'A'.repeat(43)}.pdf/x`],
    ['a percent-encoded ticket character', `/downloads/invoices/%41${'A'.repeat(42)}.pdf`],
    ['an empty name', '/downloads/invoices/.pdf'],
    ['the folder', '/downloads/invoices/'],
    ['the root', '/downloads'],
    ['another folder', '/downloads/customers/x.pdf'],
  ])('%s is 404 with no upstream call', async (_label, path) => {
    const { status, body } = await rawGet(path);
    expect(status).toBe(404);
    expect(body.length).toBeLessThan(200);
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('other methods are refused before any lookup', async () => {
    const { pdfUrl } = await mintOne();
    stack.sandbox.calls.clear();
    expect((await rawGet(new URL(pdfUrl).pathname, 'POST')).status).toBe(405);
    expect((await rawGet(new URL(pdfUrl).pathname, 'DELETE')).status).toBe(405);
    expect(stack.sandbox.calls.count()).toBe(0);
  });
});

describe('upstream failures behind a valid link', () => {
  it.each([
    [{ kind: 'status', status: 401 } as const, 401],
    [{ kind: 'status', status: 403 } as const, 403],
    [{ kind: 'status', status: 404 } as const, 404],
    [{ kind: 'status', status: 500 } as const, 502],
    [{ kind: 'status', status: 503 } as const, 502],
    [{ kind: 'status', status: 504 } as const, 504],
    [{ kind: 'wrongShape' } as const, 502],
    [{ kind: 'truncated' } as const, 502],
    [{ kind: 'drop' } as const, 502],
    [{ kind: 'hang' } as const, 504],
  ])('%o answers %i with a short body that holds no token and no upstream body', async (fault, status) => {
    const invoice = await mintOne();
    stack.sandbox.faults.add({ endpoint: 'invoiceFile', ...fault }); // every attempt, retries included
    const { res, bytes } = await download(invoice.pdfUrl);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const text = bytes.toString('utf8');
    expect(text.length).toBeLessThan(200);
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: expect.any(String) } }],
    });
    for (const secret of [stack.orgA.token, ticketOf(invoice.pdfUrl), 'Invoice unavailable', 'not found', invoice.id]) {
      expect(text).not.toContain(secret);
    }
  });

  it('logs and metrics name a ticket by a short prefix at most, and never the token', async () => {
    logLines.length = 0;
    const invoice = await mintOne();
    const ticket = ticketOf(invoice.pdfUrl);
    expect((await download(invoice.pdfUrl)).res.status).toBe(200);
    stack.sandbox.faults.add({ endpoint: 'invoiceFile', kind: 'status', status: 500 });
    expect((await download(invoice.pdfUrl)).res.status).toBe(502);
    clock += 3_600_000;
    expect((await download(invoice.pdfUrl)).res.status).toBe(410);
    await new Promise((resolve) => setTimeout(resolve, 50)); // lines are written as responses close

    const downloads = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'invoice pdf download');
    expect(downloads.map((l) => [l['status'], l['ticketPrefix']])).toEqual([
      [200, `${ticket.slice(0, 6)}…`],
      [502, `${ticket.slice(0, 6)}…`],
      [410, `${ticket.slice(0, 6)}…`],
    ]);
    const metrics = await (await fetch(`${stack.origin}/metrics`)).text();
    expect(metrics).toContain('route="downloads"');
    for (const line of [...logLines, metrics]) {
      expect(line).not.toContain(ticket);
      expect(line).not.toContain(ticket.slice(0, 12));
      expect(line).not.toContain(stack.orgA.token);
      expect(line).not.toContain(stack.orgA.token.split('.')[2] ?? 'no signature');
    }
  });
});

describe('GET /downloads/invoices/{invoiceId}.pdf with Authorization', () => {
  it('serves the PDF to a programmatic caller, named by the invoice id', async () => {
    const { id } = await mintOne();
    const { res, bytes } = await download(`${stack.origin}/downloads/invoices/${id}.pdf`, {
      headers: { authorization: `Bearer ${stack.orgA.token}` },
    });
    expect(res.status).toBe(200);
    expect(bytes.equals(stack.sandbox.pdfFor(stack.orgA.name, id))).toBe(true);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${id}.pdf"`);
  });

  it("another organisation's token gets the upstream's 404", async () => {
    const { id } = await mintOne();
    const { res } = await download(`${stack.origin}/downloads/invoices/${id}.pdf`, {
      headers: { authorization: `Bearer ${stack.orgB.token}` },
    });
    expect(res.status).toBe(404);
  });

  it.each([
    ['no header', {}],
    ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
  ])('%s is 401 with no upstream call', async (_label, headers: Record<string, string>) => {
    const { id } = await mintOne();
    stack.sandbox.calls.clear();
    const { res } = await download(`${stack.origin}/downloads/invoices/${id}.pdf`, { headers });
    expect(res.status).toBe(401);
    expect(stack.sandbox.calls.count()).toBe(0);
  });
});

describe('a raw %PDF body from the upstream', () => {
  let raw: Stack;
  beforeAll(async () => {
    raw = await startStack({ sandbox: { rawPdf: true } });
  });
  afterAll(() => raw.close());

  it('passes through unchanged', async () => {
    const { body } = await raw.gql('{ invoices(first: 1) { nodes { id pdfUrl } } }');
    const [invoice] = (body.data?.['invoices'] as { nodes: { id: string; pdfUrl: string }[] }).nodes;
    if (!invoice) throw new Error('no invoice');
    const { res, bytes } = await download(invoice.pdfUrl);
    expect(res.status).toBe(200);
    expect(bytes.equals(raw.sandbox.pdfFor(raw.orgA.name, invoice.id))).toBe(true);
  });
});
