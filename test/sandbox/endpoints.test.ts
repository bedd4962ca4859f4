import { Agent, get } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  bearer,
  type CustomerPage,
  type ErrorBody,
  getJson,
  type InvoicePage,
  ORG_A,
  ORG_B,
  ORG_EMPTY,
  organisation,
  type SubscriptionPage,
  walk,
} from './helpers.ts';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

describe('GET /api/partner/customer', () => {
  it('serves 40 customers by default, newest first, with hits and a queryMore token', async () => {
    const { status, headers, body } = await getJson<CustomerPage>(sandbox, '/partner/customer');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(body).sort()).toEqual(['hits', 'items', 'queryMore']);
    expect(body.hits).toBe(300);
    expect(body.items).toEqual(organisation(sandbox).customers.slice(0, 40));
  });

  it('shapes customers like the upstream, extra fields included', async () => {
    const { body } = await getJson<CustomerPage>(sandbox, '/partner/customer?limit=100');
    for (const customer of body.items) {
      expect(customer.id).toMatch(/^cus-[a-z0-9]{20}$/);
      expect(customer.created).toMatch(ISO_INSTANT);
      expect(customer.updated >= customer.created).toBe(true);
      expect(customer.email).toMatch(/^[a-z0-9.-]+@[a-z0-9.-]+$/);
      expect(typeof customer.marketing_opt_in).toBe('boolean');
      expect(Array.isArray(customer.tags)).toBe(true);
      expect(customer.country).toMatch(/^[A-Z]{2}$/);
      expect(customer.name).toBe(customer.company ?? `${customer.first_name} ${customer.last_name}`);
    }
    expect(body.items.some((customer) => customer.company !== null)).toBe(true);
    expect(body.items.some((customer) => customer.company === null)).toBe(true);
  });

  it('filters by every word of `filter` across name, email and id, with hits counting all matches', async () => {
    const customers = organisation(sandbox).customers;
    const target = customers[123];
    if (target === undefined) throw new Error('fixture');
    const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    const expected = customers.filter((c) =>
      fold(`${c.name} ${c.first_name} ${c.last_name} ${c.email} ${c.id}`).includes(fold(target.last_name)),
    );
    const byName = await getJson<CustomerPage>(
      sandbox,
      `/partner/customer?limit=100&filter=${encodeURIComponent(target.last_name.toUpperCase())}`,
    );
    expect(byName.body.hits).toBe(expected.length);
    expect(byName.body.items.map((c) => c.id)).toEqual(expected.slice(0, 100).map((c) => c.id));

    const byEmail = await getJson<CustomerPage>(
      sandbox,
      `/partner/customer?filter=${encodeURIComponent(target.email)}`,
    );
    expect(byEmail.body.items.map((c) => c.id)).toEqual([target.id]);
    expect(byEmail.body.hits).toBe(1);
    expect(byEmail.body.queryMore).toBeUndefined();

    const none = await getJson<CustomerPage>(sandbox, '/partner/customer?filter=nobody-by-this-name');
    expect(none.body).toEqual({ items: [], hits: 0 });
  });

  it('pages through a filtered search with queryMore', async () => {
    const filter = 'example.co.uk';
    const expected = organisation(sandbox)
      .customers.filter((c) => c.email.endsWith(filter))
      .map((c) => c.id);
    expect(expected.length).toBeGreaterThan(20);
    const result = await walk(sandbox, 'customers', 9, ORG_A, { filter });
    expect(result.ids).toEqual(expected);
  });
});

describe('GET /api/partner/invoices', () => {
  it('serves 40 invoices by default under `invoices` with a nextPage token', async () => {
    const { status, body } = await getJson<InvoicePage>(sandbox, '/partner/invoices');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['invoices', 'nextPage']);
    expect(body.invoices).toEqual(organisation(sandbox).invoices.slice(0, 40));
  });

  it('shapes invoices with Zuora field names, money as JSON numbers with at most two decimals', async () => {
    const response = await fetch(`${sandbox.url}/partner/invoices?pageSize=100`, { headers: bearer(sandbox, ORG_A) });
    const text = await response.text();
    // No money value in the raw JSON text has more than two decimals.
    for (const match of text.matchAll(/"(amount|balance|taxAmount)":(-?[0-9.e+-]+)/g)) {
      expect(match[2]).toMatch(/^-?\d+(\.\d{1,2})?$/);
    }
    const body = JSON.parse(text) as InvoicePage;
    for (const invoice of body.invoices) {
      expect(invoice.id).toMatch(/^[0-9a-f]{32}$/);
      expect(invoice.invoiceNumber).toMatch(/^INV\d{8}$/);
      expect(invoice.accountId).toMatch(/^[0-9a-f]{32}$/);
      expect(invoice.invoiceDate).toMatch(ISO_DATE);
      expect(invoice.dueDate >= invoice.invoiceDate).toBe(true);
      expect(invoice.createdDate).toMatch(ISO_INSTANT);
      expect(invoice.createdDate.slice(0, 10)).toBe(invoice.invoiceDate);
      expect(typeof invoice.amount).toBe('number');
      expect(invoice.balance).toBeLessThanOrEqual(invoice.amount);
      expect(invoice.customerId).toMatch(/^cus-/);
      expect(typeof invoice.paymentTerm).toBe('string');
      if (invoice.currency === 'JPY') expect(Number.isInteger(invoice.amount)).toBe(true);
    }
  });
});

describe('GET /api/partner/objects/{path_type}', () => {
  it('serves 50 subscriptions by default under `items` with a queryMore token', async () => {
    const { status, body } = await getJson<SubscriptionPage>(sandbox, '/partner/objects/subscription');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['items', 'queryMore']);
    expect(body.items).toEqual(organisation(sandbox).subscriptions.slice(0, 50));
  });

  it('shapes subscriptions like Limio objects, each owned by a customer of the same organisation', async () => {
    const { body } = await getJson<SubscriptionPage>(sandbox, '/partner/objects/subscription?limit=100');
    const customerIds = new Set(organisation(sandbox).customers.map((c) => c.id));
    for (const subscription of body.items) {
      expect(subscription.id).toMatch(/^sub-[a-z0-9]{20}$/);
      expect(subscription.name).toMatch(/^[A-Z0-9]{12}$/);
      expect(subscription.record_type).toBe('subscription');
      expect(subscription.start).toMatch(ISO_DATE);
      expect(subscription.created).toMatch(ISO_INSTANT);
      expect(customerIds.has(subscription.customer)).toBe(true);
      expect(subscription.owner).toMatch(/@northwind-media\.example$/);
      expect(typeof subscription.data.offer).toBe('string');
    }
  });

  it.each(['subscriptions', 'customer', 'Subscription', 'invoice'])(
    'rejects path_type %s with 400',
    async (pathType) => {
      const { status, body } = await getJson<ErrorBody>(sandbox, `/partner/objects/${pathType}`);
      expect(status).toBe(400);
      expect(body.message).toContain('subscription');
    },
  );
});

describe('data realism', () => {
  it('has every invoice status, every subscription status (including initial) and several currencies', () => {
    const org = organisation(sandbox);
    expect(new Set(org.invoices.map((i) => i.status))).toEqual(new Set(['Draft', 'Posted', 'Canceled', 'Error']));
    expect(new Set(org.subscriptions.map((s) => s.status))).toEqual(
      new Set(['active', 'cancelled', 'expired', 'pending', 'initial']),
    );
    const currencies = new Set(org.invoices.map((i) => i.currency));
    for (const currency of ['GBP', 'EUR', 'USD', 'AUD', 'JPY']) expect(currencies).toContain(currency);
    expect(org.invoices.filter((i) => i.currency === 'JPY').every((i) => Number.isInteger(i.amount))).toBe(true);
    expect(org.invoices.some((i) => !Number.isInteger(i.amount * 10))).toBe(true); // two decimals occur
  });

  it('links every invoice and subscription to a customer of its own organisation', () => {
    for (const name of [ORG_A, ORG_B]) {
      const org = organisation(sandbox, name);
      const byId = new Map(org.customers.map((c) => [c.id, c]));
      for (const invoice of org.invoices)
        expect(byId.get(invoice.customerId)?.billing_account_id).toBe(invoice.accountId);
      for (const subscription of org.subscriptions) expect(byId.has(subscription.customer)).toBe(true);
    }
  });

  it('has records sharing a creation time, so the id tie-break matters', () => {
    const org = organisation(sandbox);
    const shared = (times: string[]) => times.filter((time, i) => time === times[i - 1]).length;
    expect(shared(org.customers.map((c) => c.created))).toBeGreaterThan(3);
    expect(shared(org.invoices.map((i) => i.createdDate))).toBeGreaterThan(3);
    expect(shared(org.subscriptions.map((s) => s.created))).toBeGreaterThan(3);
  });

  it('gives the second organisation 60% of the records and the third none', async () => {
    const counts = (name: string) => {
      const org = organisation(sandbox, name);
      return [org.customers.length, org.invoices.length, org.subscriptions.length];
    };
    expect(counts(ORG_A)).toEqual([300, 300, 300]);
    expect(counts(ORG_B)).toEqual([180, 180, 180]);
    expect(counts(ORG_EMPTY)).toEqual([0, 0, 0]);
    const { body } = await getJson<CustomerPage>(sandbox, '/partner/customer', bearer(sandbox, ORG_B));
    expect(body.hits).toBe(180);
  });

  it('serves empty pages without tokens to an organisation with no records', async () => {
    const empty = bearer(sandbox, ORG_EMPTY);
    expect((await getJson(sandbox, '/partner/customer', empty)).body).toEqual({ items: [], hits: 0 });
    expect((await getJson(sandbox, '/partner/invoices', empty)).body).toEqual({ invoices: [] });
    expect((await getJson(sandbox, '/partner/objects/subscription', empty)).body).toEqual({ items: [] });
  });
});

describe('parameter bounds', () => {
  const cases = [
    ['/partner/customer', 'limit'],
    ['/partner/invoices', 'pageSize'],
    ['/partner/objects/subscription', 'limit'],
  ] as const;

  it.each(cases)('%s answers 400 for %s outside 1..100 or not an integer', async (path, name) => {
    for (const bad of ['0', '101', '-1', '1.5', 'abc', '', '1e2', ' 5']) {
      const { status, body } = await getJson<ErrorBody>(sandbox, `${path}?${name}=${encodeURIComponent(bad)}`);
      expect({ bad, status }).toEqual({ bad, status: 400 });
      expect(body.message).toContain(name);
    }
  });

  it.each(cases)('%s accepts %s 1 and 100', async (path, name) => {
    for (const size of [1, 100]) {
      const { status, body } = await getJson<Record<string, unknown>>(sandbox, `${path}?${name}=${size}`);
      expect(status).toBe(200);
      const items = body.invoices ?? body.items;
      expect(Array.isArray(items) ? items.length : -1).toBe(size);
    }
  });
});

describe('routing', () => {
  it.each([
    '/api/partner/customers',
    '/api/partner/invoice',
    '/api/partner/invoices/file',
    '/api/partner/objects',
    '/api/partner/customer/',
    '/partner/customer',
    '/',
  ])('answers 404 JSON for %s', async (path) => {
    const response = await fetch(`${sandbox.url.replace(/\/api$/, '')}${path}`, { headers: bearer(sandbox, ORG_A) });
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorBody).message).toEqual(expect.any(String));
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('answers 405 JSON to %s on an endpoint', async (method) => {
    const response = await fetch(`${sandbox.url}/partner/invoices`, { method, headers: bearer(sandbox, ORG_A) });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(((await response.json()) as ErrorBody).message).toContain('GET');
  });

  it('survives garbage in the path and the query', async () => {
    const base = sandbox.url;
    const garbage = [
      '/partner/invoices/file/%E0%A4%A',
      '/partner/objects/%ZZ',
      '/partner/customer?filter=%',
      '/partner/invoices?cursor=%FF%FE',
    ];
    const statuses = [];
    for (const path of garbage)
      statuses.push((await fetch(`${base}${path}`, { headers: bearer(sandbox, ORG_A) })).status);
    expect(statuses).toEqual([404, 400, 200, 400]);
    expect((await getJson(sandbox, '/partner/customer?limit=1')).status).toBe(200);
  });

  it('keeps connections alive between requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const reused: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const request = get(
          `${sandbox.url}/partner/customer?limit=1`,
          { agent, headers: bearer(sandbox, ORG_A) },
          (response) => {
            reused.push(request.reusedSocket);
            response.resume().on('end', resolve);
          },
        );
        request.on('error', reject);
      });
    }
    agent.destroy();
    expect(reused).toEqual([false, true, true]);
  });

  it('answers a request that is not HTTP with 400 and keeps serving', async () => {
    const { port } = new URL(sandbox.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await getJson(sandbox, '/partner/customer?limit=1')).status).toBe(200);
  });
});
