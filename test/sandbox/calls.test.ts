import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RecordedCall, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { base64Json, bearer, getJson, ORG_A, ORG_B } from './helpers.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, customers: 30, invoices: 30, subscriptions: 30, maxRecordedCalls: 50 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.calls.clear();
});

function tokenOf(name: string): string {
  return sandbox.tokens[name] ?? '';
}

describe('call record', () => {
  it('records method, path, decoded query, endpoint, organisation and auth state of each call, in order', async () => {
    const cursor = base64Json({ created: '2025-01-01T00:00:00.000Z', id: 'cus-~~~???>>>' });
    await getJson(sandbox, `/partner/invoices?pageSize=5&cursor=${encodeURIComponent(cursor)}`, {
      ...bearer(sandbox, ORG_A),
      'x-request-id': 'req-1',
    });
    await getJson(sandbox, '/partner/customer?filter=Zo%C3%AB%20Smith&limit=3', bearer(sandbox, ORG_B));
    await getJson(sandbox, '/partner/objects/subscription', { authorization: 'Bearer nope' });
    await getJson(sandbox, '/partner/invoices/file/abc', {});
    await getJson(sandbox, '/partner/unknown?x=1', { authorization: 'Token x' });

    const calls = sandbox.calls.list();
    expect(
      calls.map(({ method, path, endpoint, query, organisation, authorization, status }) => ({
        method,
        path,
        endpoint,
        query,
        organisation,
        authorization,
        status,
      })),
    ).toEqual([
      {
        method: 'GET',
        path: '/api/partner/invoices',
        endpoint: 'invoices',
        query: { pageSize: '5', cursor },
        organisation: ORG_A,
        authorization: 'valid',
        status: 200,
      },
      {
        method: 'GET',
        path: '/api/partner/customer',
        endpoint: 'customers',
        query: { filter: 'Zoë Smith', limit: '3' },
        organisation: ORG_B,
        authorization: 'valid',
        status: 200,
      },
      {
        method: 'GET',
        path: '/api/partner/objects/subscription',
        endpoint: 'subscriptions',
        query: {},
        organisation: null,
        authorization: 'unknown',
        status: 401,
      },
      {
        method: 'GET',
        path: '/api/partner/invoices/file/abc',
        endpoint: 'invoiceFile',
        query: {},
        organisation: null,
        authorization: 'missing',
        status: 401,
      },
      {
        method: 'GET',
        path: '/api/partner/unknown',
        endpoint: null,
        query: { x: '1' },
        organisation: null,
        authorization: 'malformed',
        status: 404,
      },
    ]);
    expect(calls.map((call) => call.seq)).toEqual([...calls.map((call) => call.seq)].sort((a, b) => a - b));
    expect(new Set(calls.map((call) => call.seq)).size).toBe(5);
    const [first] = calls;
    expect(first?.headers['x-request-id']).toBe('req-1');
    expect(first?.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
    for (const call of calls) {
      expect(call.headers).not.toHaveProperty('authorization');
      expect(call.endedAt).toBeGreaterThanOrEqual(call.startedAt);
      expect(call.fault).toBeNull();
    }
  });

  it('never holds a raw token, wherever the caller put it', async () => {
    await getJson(sandbox, `/partner/customer?access_token=${tokenOf(ORG_A)}`, {
      ...bearer(sandbox, ORG_A),
      'x-api-key': tokenOf(ORG_B),
      cookie: `session=${tokenOf(ORG_A)}`,
    });
    await getJson(sandbox, `/partner/invoices/file/${tokenOf(ORG_B)}`, bearer(sandbox, ORG_B));
    const json = JSON.stringify(sandbox.calls.list());
    for (const token of Object.values(sandbox.tokens)) {
      expect(json).not.toContain(token);
      expect(json).not.toContain(token.split('.')[2] ?? 'signature');
    }
    const [first] = sandbox.calls.list();
    expect(first?.query.access_token).toBe('[redacted]');
    expect(first?.headers['x-api-key']).toBe('[redacted]');
    expect(first?.organisation).toBe(ORG_A);
  });

  it('counts and filters by endpoint and organisation, and clears', async () => {
    for (let i = 0; i < 3; i++) await getJson(sandbox, '/partner/invoices?pageSize=1', bearer(sandbox, ORG_A));
    await getJson(sandbox, '/partner/invoices?pageSize=1', bearer(sandbox, ORG_B));
    await getJson(sandbox, '/partner/customer?limit=1', bearer(sandbox, ORG_B));
    expect(sandbox.calls.count()).toBe(5);
    expect(sandbox.calls.count({ endpoint: 'invoices' })).toBe(4);
    expect(sandbox.calls.count({ organisation: ORG_B })).toBe(2);
    expect(sandbox.calls.count({ endpoint: 'invoices', organisation: ORG_B })).toBe(1);
    expect(sandbox.calls.list({ endpoint: 'customers' }).map((call) => call.query)).toEqual([{ limit: '1' }]);
    sandbox.calls.clear();
    expect(sandbox.calls.count()).toBe(0);
  });

  it('hands out copies: changing a listed call does not change the record', async () => {
    await getJson(sandbox, '/partner/invoices?pageSize=1');
    const [call] = sandbox.calls.list();
    if (call === undefined) throw new Error('no call');
    call.query.pageSize = '99';
    call.status = 0;
    expect(sandbox.calls.list()[0]).toMatchObject({ query: { pageSize: '1' }, status: 200 });
  });

  it('keeps the newest maxRecordedCalls calls', async () => {
    for (let i = 0; i < 55; i++) await getJson(sandbox, `/partner/customer?limit=1&filter=n${i}`);
    const calls = sandbox.calls.list();
    expect(calls).toHaveLength(50);
    expect(calls[0]?.query.filter).toBe('n5');
    expect(calls.at(-1)?.query.filter).toBe('n54');
  });

  it('is served by the admin route, filtered, and cleared by DELETE; admin calls are not recorded', async () => {
    await getJson(sandbox, '/partner/invoices?pageSize=2', bearer(sandbox, ORG_A));
    await getJson(sandbox, '/partner/customer?limit=2', bearer(sandbox, ORG_B));
    const origin = sandbox.url.replace(/\/api$/, '');
    const all = (await (await fetch(`${origin}/__admin/calls`)).json()) as RecordedCall[];
    expect(all).toEqual(sandbox.calls.list());
    expect(all).toHaveLength(2);
    const filtered = (await (await fetch(`${origin}/__admin/calls?organisation=${ORG_B}`)).json()) as RecordedCall[];
    expect(filtered.map((call) => call.endpoint)).toEqual(['customers']);
    const byEndpoint = (await (await fetch(`${origin}/__admin/calls?endpoint=invoices`)).json()) as RecordedCall[];
    expect(byEndpoint.map((call) => call.organisation)).toEqual([ORG_A]);
    expect((await fetch(`${origin}/__admin/calls`, { method: 'DELETE' })).status).toBe(204);
    expect(sandbox.calls.count()).toBe(0);
  });
});
