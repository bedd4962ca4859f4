import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphQLBody, type Stack, startStack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

/** One POST with a Host header of our choosing (fetch always sends the real one). */
function postWithHost(host: string, query: string): Promise<{ status: number; body: GraphQLBody }> {
  const { port } = new URL(stack.origin);
  const payload = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: {
          host,
          'content-type': 'application/json',
          authorization: `Bearer ${stack.orgA.token}`,
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as GraphQLBody }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const INVOICE_LINKS = '{ invoices(first: 2) { nodes { id pdfUrl } } }';

describe('the Host header links are built from', () => {
  it('an unusable Host gets BAD_USER_INPUT at pdfUrl, never a localhost link', async () => {
    const { status, body } = await postWithHost('bad_host', INVOICE_LINKS);
    expect(status).toBe(200);
    expect(JSON.stringify(body)).not.toContain('localhost');
    expect(body.errors?.length).toBeGreaterThan(0);
    for (const error of body.errors ?? []) {
      expect(error.extensions?.['code']).toBe('BAD_USER_INPUT');
      expect(error.path?.[0]).toBe('invoices');
    }
  });

  it('a usable Host makes links on that host', async () => {
    const { body } = await postWithHost('graph.example.test:8080', INVOICE_LINKS);
    const nodes = (body.data?.['invoices'] as { nodes: { pdfUrl: string }[] }).nodes;
    expect(nodes).toHaveLength(2);
    for (const node of nodes) expect(node.pdfUrl).toMatch(/^http:\/\/graph\.example\.test:8080\/downloads\/invoices\//);
  });

  it('a Host that makes no URL is refused at the door with a GraphQL-shaped 400', async () => {
    const { status, body } = await postWithHost('a b', INVOICE_LINKS);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});
