import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/raw-http.ts';
import { type Stack, startStack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.sandbox.calls.clear());

/** No answer to a hostile request may carry a stack trace, a file path or a module name. */
function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/\n\s+at |node_modules|\/work\/|\.ts:\d+|Error:/);
}

const query = (q: string) => JSON.stringify({ query: q });
const host = () => new URL(stack.origin).host;

describe('request targets and routes', () => {
  it.each([
    ['absolute-form', (h: string) => `GET http://${h}/graphql HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`],
    ['asterisk-form', (h: string) => `OPTIONS * HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`],
    [
      'scheme-relative',
      (h: string) => `GET //evil.example/graphql HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`,
    ],
  ])('%s request target → 400 with a short body', async (_label, build) => {
    const res = await rawRequest(stack.origin, build(host()));
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(400);
    expectNoInternals(res.text);
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it.each(['/', '/admin', '/graphql/../etc/passwd', '/api/partner/customer', '/__admin/calls'])(
    'an undocumented route %s → 404',
    async (path) => {
      const res = await fetch(`${stack.origin}${path}`, { headers: { authorization: `Bearer ${stack.orgA.token}` } });
      expect(res.status).toBe(404);
      expectNoInternals(await res.text());
      expect(stack.sandbox.calls.count()).toBe(0);
    },
  );

  it('a method GraphQL does not take → 405', async () => {
    const res = await fetch(stack.graphqlUrl, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: query('{ __typename }'),
    });
    expect(res.status).toBe(405);
  });
});

describe('bounded requests, checked before parsing', () => {
  it('a declared body over 1 MB → 413 before it is read, no upstream call', async () => {
    const filter = 'x'.repeat(5 * 1024 * 1024);
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.orgA.token}` },
      body: JSON.stringify({
        query: 'query($f: String) { customers(filter: $f) { totalCount } }',
        variables: { f: filter },
      }),
    });
    expect(res.status).toBe(413);
    expectNoInternals(await res.text());
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('an oversized body announced with Expect: 100-continue → 413 before the client sends it', async () => {
    const res = await rawRequest(
      stack.origin,
      `POST /graphql HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: ${5 * 1024 * 1024}\r\n` +
        `Expect: 100-continue\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(413);
    expect(res.text).not.toContain('100 Continue');
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('a small body announced with Expect: 100-continue is answered as usual', async () => {
    const body = query('{ invoices(first: 1) { nodes { id } } }');
    const res = await rawRequest(
      stack.origin,
      `POST /graphql HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${stack.orgA.token}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(res.text).toContain('HTTP/1.1 100 Continue');
    expect(res.text).toContain(stack.sandbox.organisations[0]?.invoices[0]?.id ?? 'missing');
  });

  it('a chunked body that grows past 1 MB → 413', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"query":"{ __typename }","variables":{"f":"'));
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode(chunk));
        controller.enqueue(new TextEncoder().encode('"}}'));
        controller.close();
      },
    });
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' }).catch((e: unknown) => e);
    // The server may close the socket as soon as it has answered: either way nothing is buffered whole.
    if (res instanceof Response) expect(res.status).toBe(413);
    const next = await stack.gql('{ invoices(first: 1) { nodes { id } } }');
    expect(next.status).toBe(200);
  });

  it('20,000 nested braces → a clear 400, not a parser overflow', async () => {
    const deep = `${'{'.repeat(20_000)}${'}'.repeat(20_000)}`;
    const { status, body } = await stack.gql(deep);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('a query under the length limit but over the token limit is refused while parsing', async () => {
    const many = `{ ${'a '.repeat(3_000)}}`;
    const { body } = await stack.gql(many);
    expect(body.errors?.[0]?.message).toMatch(/token/i);
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it.each([
    [
      'aliases',
      `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: invoices(first: 1) { nodes { id } }`).join(' ')} }`,
      /alias/i,
    ],
    ['directives', `{ invoices(first: 1) ${'@include(if: true) '.repeat(11)}{ nodes { id } } }`, /directive/i],
  ])('too many %s → an error naming the limit, no upstream call', async (_label, q, message) => {
    const { body } = await stack.gql(q);
    expect(body.errors?.[0]?.message).toMatch(message);
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('a batch longer than the limit → 400', async () => {
    const batch = Array.from({ length: 11 }, () => ({ query: '{ __typename }' }));
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(res.status).toBe(400);
  });

  it('variables over the size limit → 400', async () => {
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { v: 'y'.repeat(70 * 1024) } }),
    });
    expect(res.status).toBe(400);
  });

  it('a body that is not JSON → 400 with a short message', async () => {
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    expectNoInternals(await res.text());
  });
});

describe('content types', () => {
  it.each([
    ['text/plain', query('{ invoices { nodes { id } } }')],
    ['application/x-www-form-urlencoded', 'query=%7B%20invoices%20%7B%20nodes%20%7B%20id%20%7D%20%7D%20%7D'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ invoices { nodes { id } } }\r\n--x--\r\n',
    ],
  ])('a %s POST is refused even with a valid token, no upstream call', async (contentType, body) => {
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${stack.orgA.token}` },
      body,
    });
    expect(res.status).toBe(415);
    expect(stack.sandbox.calls.count()).toBe(0);
  });
});

describe('credentials', () => {
  const post = (authorization: string) =>
    fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: query('{ invoices { nodes { id } } }'),
    });

  it.each([
    ['a token with a tab', () => `Bearer ${stack.orgA.token}\tx`],
    ['a token over 8 KB', () => `Bearer ${'a'.repeat(8 * 1024 + 1)}`],
    ['a token with a space inside', () => `Bearer ${stack.orgA.token} extra`],
  ])('%s → UNAUTHENTICATED (401), no upstream call, token not echoed', async (_label, header) => {
    const res = await post(header());
    const text = await res.text();
    expect(res.status).toBe(401);
    expect(JSON.parse(text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(text).not.toContain(stack.orgA.token);
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('two Authorization headers → 401, no upstream call', async () => {
    const body = query('{ invoices { nodes { id } } }');
    const res = await rawRequest(
      stack.origin,
      `POST /graphql HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${stack.orgA.token}\r\n` +
        `Authorization: Bearer ${stack.orgB.token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(res.status).toBe(401);
    expect(res.text).toContain('UNAUTHENTICATED');
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it.each([
    ['a bare CR smuggled into the header', 'Bearer abc\rX-Injected: 1'],
    ['a control character in the token', 'Bearer abc\u0001def'],
    ['a DEL in the token', 'Bearer abc\u007f'],
  ])('%s is refused (400 by the HTTP parser or 401), no upstream call', async (_label, authorization) => {
    const res = await rawRequest(
      stack.origin,
      `POST /graphql HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect([400, 401]).toContain(res.status);
    expectNoInternals(res.text);
    expect(stack.sandbox.calls.count()).toBe(0);
  });
});
