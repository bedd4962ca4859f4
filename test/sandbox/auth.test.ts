import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { bearer, type ErrorBody, getJson, type InvoicePage, ORG_A, ORG_B, organisation, walk } from './helpers.ts';

let sandbox: Sandbox;
let otherSeed: Sandbox;
beforeAll(async () => {
  [sandbox, otherSeed] = await Promise.all([
    startSandbox({ port: 0 }),
    startSandbox({ port: 0, seed: 2, customers: 5, invoices: 5, subscriptions: 5 }),
  ]);
});
afterAll(async () => {
  await Promise.all([sandbox.close(), otherSeed.close()]);
});

const ENDPOINT_PATHS = [
  '/partner/customer',
  '/partner/invoices',
  '/partner/objects/subscription',
  '/partner/invoices/file/00000000000000000000000000000000',
];

function tokenOf(target: Sandbox, name: string): string {
  const token = target.tokens[name];
  if (token === undefined) throw new Error(`No token for ${name}`);
  return token;
}

describe('bearer tokens', () => {
  it('are JWT-shaped with the organisation in lmo:partner_org and scope partner', () => {
    expect(Object.keys(sandbox.tokens)).toEqual(sandbox.organisations.map((org) => org.name));
    for (const [name, token] of Object.entries(sandbox.tokens)) {
      const parts = token.split('.');
      expect(parts).toHaveLength(3);
      for (const part of parts) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
      const payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(payload['lmo:partner_org']).toBe(name);
      expect(payload.scope).toBe('partner');
    }
  });

  const unauthorised: [string, (s: Sandbox) => Record<string, string>, string][] = [
    ['no Authorization header', () => ({}), 'missing'],
    ['an empty Authorization header', () => ({ authorization: '' }), 'missing'],
    ['a token without the Bearer scheme', (s) => ({ authorization: tokenOf(s, ORG_A) }), 'malformed'],
    ['a Basic credential', () => ({ authorization: 'Basic dXNlcjpwYXNz' }), 'malformed'],
    ['Bearer and nothing else', () => ({ authorization: 'Bearer' }), 'malformed'],
    ['two words after Bearer', (s) => ({ authorization: `Bearer ${tokenOf(s, ORG_A)} extra` }), 'malformed'],
    ['an unknown bearer string', () => ({ authorization: 'Bearer not-a-partner-token' }), 'unknown'],
    [
      'a JWT from a sandbox with another seed',
      () => ({ authorization: `Bearer ${tokenOf(otherSeed, ORG_A)}` }),
      'unknown',
    ],
    [
      'a demo token with a changed signature',
      (s) => ({ authorization: `Bearer ${tokenOf(s, ORG_A).slice(0, -2)}AA` }),
      'unknown',
    ],
  ];

  it.each(unauthorised)('answers 401 {message} for %s on every endpoint, and records it', async (_, headers, state) => {
    sandbox.calls.clear();
    for (const path of ENDPOINT_PATHS) {
      const { status, body, headers: responseHeaders } = await getJson<ErrorBody>(sandbox, path, headers(sandbox));
      expect({ path, status }).toEqual({ path, status: 401 });
      expect(body).toEqual({ message: 'Unauthorized' });
      expect(responseHeaders.get('www-authenticate')).toBe('Bearer');
    }
    const calls = sandbox.calls.list();
    expect(calls.map((call) => [call.authorization, call.organisation])).toEqual(
      ENDPOINT_PATHS.map(() => [state, null]),
    );
  });

  it('checks auth before parameters: a bad token with a bad limit is a 401, not a 400', async () => {
    const noToken = await getJson(sandbox, '/partner/customer?limit=0&queryMore=%%%', {});
    expect(noToken.status).toBe(401);
    const badPathType = await getJson(sandbox, '/partner/objects/nope', { authorization: 'Bearer nope' });
    expect(badPathType.status).toBe(401);
  });

  it('accepts the scheme in any case', async () => {
    const response = await getJson(sandbox, '/partner/customer?limit=1', {
      authorization: `bearer ${tokenOf(sandbox, ORG_A)}`,
    });
    expect(response.status).toBe(200);
  });
});

describe('organisation isolation', () => {
  it("gives 404 for another organisation's invoice PDF, exactly like an unknown id", async () => {
    const invoiceOfA = organisation(sandbox, ORG_A).invoices[0];
    const invoiceOfB = organisation(sandbox, ORG_B).invoices[0];
    if (invoiceOfA === undefined || invoiceOfB === undefined) throw new Error('fixture');
    const foreign = await getJson<ErrorBody>(
      sandbox,
      `/partner/invoices/file/${invoiceOfA.id}`,
      bearer(sandbox, ORG_B),
    );
    const unknown = await getJson<ErrorBody>(
      sandbox,
      '/partner/invoices/file/ffffffffffffffffffffffffffffffff',
      bearer(sandbox, ORG_B),
    );
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(Object.keys(foreign.body)).toEqual(['message']);
    expect(foreign.body.message).not.toContain(ORG_A);
    const own = await fetch(`${sandbox.url}/partner/invoices/file/${invoiceOfB.id}`, {
      headers: bearer(sandbox, ORG_B),
    });
    expect(own.status).toBe(200);
    await own.arrayBuffer();
  });

  it('never mixes records across organisations in any list', async () => {
    for (const endpoint of ['customers', 'invoices', 'subscriptions'] as const) {
      const a = await walk(sandbox, endpoint, 100, ORG_A);
      const b = await walk(sandbox, endpoint, 100, ORG_B);
      expect(a.ids).toHaveLength(300);
      expect(b.ids).toHaveLength(180);
      const idsOfA = new Set(a.ids);
      expect(b.ids.filter((id) => idsOfA.has(id))).toEqual([]);
    }
    const customersOfB = new Set(organisation(sandbox, ORG_B).customers.map((c) => c.id));
    const { body } = await getJson<InvoicePage>(sandbox, '/partner/invoices?pageSize=100', bearer(sandbox, ORG_B));
    expect(body.invoices.every((invoice) => customersOfB.has(invoice.customerId))).toBe(true);
  });

  it('does not let a search reach another organisation', async () => {
    const customerOfA = organisation(sandbox, ORG_A).customers[0];
    if (customerOfA === undefined) throw new Error('fixture');
    const { body } = await getJson(sandbox, `/partner/customer?filter=${customerOfA.id}`, bearer(sandbox, ORG_B));
    expect(body).toEqual({ items: [], hits: 0 });
  });
});
