import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const QUERY = '{ invoices(first: 1) { nodes { id } } }';

function jwtExpiringAt(epochSeconds: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'someone', exp: epochSeconds })}.c2lnbmF0dXJl`;
}

describe('an expired token', () => {
  it('gets HTTP 401 and one error that says it expired, with no upstream call', async () => {
    stack.sandbox.calls.clear();
    const expiredAt = Math.floor(Date.now() / 1000) - 3_600;
    const { status, body } = await stack.gql(`{ customers(first: 1) { nodes { id } } } `, undefined, {
      authorization: `Bearer ${jwtExpiringAt(expiredAt)}`,
    });
    expect(status).toBe(401);
    expect(body.errors).toEqual([
      {
        message: `The bearer token expired at ${new Date(expiredAt * 1000).toISOString()}: get a new one from the partner API.`,
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('within the clock skew still goes to the partner API, which decides', async () => {
    stack.sandbox.calls.clear();
    const justNow = Math.floor(Date.now() / 1000) - 5;
    const { body } = await stack.gql(QUERY, undefined, { authorization: `Bearer ${jwtExpiringAt(justNow)}` });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(stack.sandbox.calls.count()).toBe(1);
  });
});

describe('GET /graphql', () => {
  const url = () => `${stack.graphqlUrl}?query=${encodeURIComponent(QUERY)}`;

  it('without a CSRF header is refused with a code, naming the header', async () => {
    const res = await fetch(url(), { headers: { authorization: `Bearer ${stack.orgA.token}` } });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('CSRF_HEADER_REQUIRED');
    expect(body.errors[0]?.message).toContain('x-graphql-yoga-csrf');
  });

  it('from a browser where GraphiQL is off gets a readable 406', async () => {
    const production = await startStack({ env: { NODE_ENV: 'production', GRAPHIQL: 'false' } });
    try {
      const res = await fetch(production.graphqlUrl, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(406);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('NOT_ACCEPTABLE');
      expect(body.errors[0]?.message).toMatch(/GraphiQL is off.*POST/);
    } finally {
      await production.close();
    }
  });
});

describe('what an operator reads', () => {
  it('/health names the version, and /metrics has partner_graph_build_info', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const health = await fetch(`${stack.origin}/health`);
    expect(await health.json()).toEqual({ status: 'ok', version, commit: 'source' });
    const metrics = await (await fetch(`${stack.origin}/metrics`)).text();
    expect(metrics).toContain(
      `partner_graph_build_info{version="${version}",commit="source",node="${process.version}"} 1`,
    );
  });
});
