import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerError } from '../../src/partner/errors.ts';
import { createUpstreamHttp, type UpstreamHttp, type UpstreamRequest } from '../../src/partner/http.ts';

/** What a GET came to: the answer, or the PartnerError it threw, as the layers above read them. */
async function outcome(http: UpstreamHttp, request: Partial<UpstreamRequest> & { path: string }) {
  try {
    const response = await http.get({ endpoint: 'test', token: 'tok', ...request });
    return { ok: true, ...response, body: response.body.toString('utf8') };
  } catch (error) {
    if (!(error instanceof PartnerError)) throw error;
    const { name, code, message, upstream, retryAfter } = error;
    return { ok: false, name, code, message, upstream, retryAfter };
  }
}

const ROUTES: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'up-1' });
    res.end(
      JSON.stringify({ auth: req.headers.authorization, accept: req.headers.accept, id: req.headers['x-request-id'] }),
    );
  },
  '/chunked': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (let i = 0; i < 50; i++) res.write(`${'x'.repeat(1000)}\n`);
    res.end();
  },
  '/empty': (_req, res) => {
    res.writeHead(204);
    res.end();
  },
  '/big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('y'.repeat(5000));
  },
  '/broken': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000', 'x-request-id': 'up-2' });
    res.write('z'.repeat(100));
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/429': (_req, res) => {
    res.writeHead(429, { 'retry-after': '7', 'x-request-id': 'up-3' });
    res.end('slow down');
  },
  '/503': (_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('unavailable');
  },
  '/503-huge': (_req, res) => {
    res.writeHead(503, { 'content-length': String(1024 * 1024) });
    res.end('u'.repeat(1024 * 1024));
  },
  '/502-chunked-huge': (_req, res) => {
    res.writeHead(502);
    for (let i = 0; i < 300; i++) res.write('c'.repeat(1024));
    res.end();
  },
  '/404-broken': (_req, res) => {
    res.writeHead(404, { 'content-length': '500' });
    res.write('n'.repeat(10));
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/slow-body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('[');
    setTimeout(() => res.end(']'), 400);
  },
  '/stalled-body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('[');
    setTimeout(() => res.end(']'), 1_500);
  },
  '/hang': () => undefined,
};

let server: Server;
let base: string;
const sockets = new Set<Socket>();
const ports: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    ports.push(req.socket.remotePort ?? 0);
    const route = ROUTES[new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api/, '')];
    if (route) route(req, res);
    else res.writeHead(500).end();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const transport = (timeoutMs = 2_000) => createUpstreamHttp({ baseUrl: base, timeoutMs, maxSockets: 1 });

describe('the upstream transport: what each kind of answer becomes', () => {
  it('a 2xx: status, body, content type and the upstream request id, with the caller headers sent', async () => {
    const http = transport();
    expect(
      await outcome(http, { path: '/ok', headers: { 'x-request-id': 'r1' }, query: { a: 1, b: undefined } }),
    ).toEqual({
      ok: true,
      status: 200,
      body: JSON.stringify({ auth: 'Bearer tok', accept: 'application/json', id: 'r1' }),
      contentType: 'application/json',
      requestId: 'up-1',
    });
    expect(await outcome(http, { path: '/chunked' })).toMatchObject({ ok: true, status: 200 });
    expect(await outcome(http, { path: '/empty' })).toEqual({ ok: true, status: 204, body: '', contentType: '' });
    await http.close();
  });

  it('a body over maxBodyBytes is UPSTREAM_BAD_RESPONSE', async () => {
    const http = transport();
    expect(await outcome(http, { path: '/big', maxBodyBytes: 4999 })).toEqual({
      ok: false,
      name: 'PartnerError',
      code: 'UPSTREAM_BAD_RESPONSE',
      message: 'The partner API answered with an oversized body.',
      upstream: { status: 200 },
      retryAfter: undefined,
    });
    expect(await outcome(http, { path: '/big', maxBodyBytes: 5000 })).toMatchObject({ ok: true });
    await http.close();
  });

  it('a body that breaks off before its announced end is UPSTREAM_BAD_RESPONSE with the facts', async () => {
    const http = transport();
    expect(await outcome(http, { path: '/broken' })).toEqual({
      ok: false,
      name: 'PartnerError',
      code: 'UPSTREAM_BAD_RESPONSE',
      message: "The partner API's answer broke off before its announced end.",
      upstream: { status: 200, requestId: 'up-2' },
      retryAfter: undefined,
    });
    await http.close();
  });

  it('a non-2xx status becomes its PartnerError, whatever its body does', async () => {
    const http = transport();
    expect(await outcome(http, { path: '/429' })).toEqual({
      ok: false,
      name: 'PartnerError',
      code: 'RATE_LIMITED',
      message: 'The partner API is rate limiting; retry later.',
      upstream: { status: 429, requestId: 'up-3' },
      retryAfter: 7,
    });
    for (const [path, status] of [
      ['/503', 503],
      ['/503-huge', 503],
      ['/502-chunked-huge', 502],
      ['/404-broken', 404],
    ] as const) {
      expect(await outcome(http, { path })).toMatchObject({ ok: false, upstream: { status } });
    }
    await http.close();
  });

  it('keeps the connection after a small error body, and drops it after a large one', async () => {
    const http = transport();
    ports.length = 0;
    await outcome(http, { path: '/503' });
    await outcome(http, { path: '/ok' });
    expect(ports[0]).toBe(ports[1]);
    ports.length = 0;
    await outcome(http, { path: '/502-chunked-huge' });
    await outcome(http, { path: '/ok' });
    expect(ports[0]).not.toBe(ports[1]);
    await http.close();
  });

  it('the caller signal: aborted before, while waiting for headers, while reading the body', async () => {
    const http = transport();
    const timeout = (ms: number) => AbortSignal.timeout(ms);
    const aborted = new AbortController();
    aborted.abort();
    const cancelled = {
      ok: false,
      name: 'PartnerError',
      code: 'UPSTREAM_TIMEOUT',
      message: 'Upstream call aborted: the request was cancelled (the client went away).',
      upstream: {},
      retryAfter: undefined,
    };
    expect(await outcome(http, { path: '/ok', signal: aborted.signal })).toEqual(cancelled);
    const deadline = { ...cancelled, message: 'Upstream call aborted: the operation deadline passed.' };
    expect(await outcome(http, { path: '/hang', signal: timeout(100) })).toEqual(deadline);
    expect(await outcome(http, { path: '/slow-body', signal: timeout(150) })).toEqual(deadline);
    const leaving = new AbortController();
    setTimeout(() => leaving.abort(), 100);
    expect(await outcome(http, { path: '/slow-body', signal: leaving.signal })).toEqual(cancelled);
    await http.close();
  });

  it('no answer in time (the pool timeouts) and no server at all', async () => {
    const slow = transport(100);
    expect(await outcome(slow, { path: '/hang' })).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      message: 'Upstream call aborted: the partner API did not answer in time.',
    });
    expect(await outcome(slow, { path: '/stalled-body' })).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      message: 'Upstream call aborted: the partner API did not answer in time.',
    });
    await slow.close();
    const nowhere = createUpstreamHttp({ baseUrl: 'http://127.0.0.1:1/api', timeoutMs: 1_000, maxSockets: 1 });
    expect(await outcome(nowhere, { path: '/x' })).toMatchObject({
      name: 'UpstreamConnectionError',
      code: 'UPSTREAM_UNAVAILABLE',
    });
    await nowhere.close();
  });
});
