import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Caller } from '../../src/partner/caller.ts';
import { searchCustomers } from '../../src/partner/customers.ts';
import { PartnerError } from '../../src/partner/errors.ts';
import type { UpstreamHttp, UpstreamRequest, UpstreamResponse } from '../../src/partner/http.ts';
import { listInvoices } from '../../src/partner/invoices.ts';
import type { UpstreamPage } from '../../src/partner/page.ts';
import { listSubscriptions } from '../../src/partner/subscriptions.ts';

const CALLER: Caller = { token: 'token-1', headers: {} };

/** An upstream that answers every GET with `body` (JSON text), status 200. */
function upstreamSending(body: string, requestId?: string): UpstreamHttp & { requests: UpstreamRequest[] } {
  const requests: UpstreamRequest[] = [];
  return {
    requests,
    async get(request) {
      requests.push(request);
      return {
        status: 200,
        body: Buffer.from(body, 'utf8'),
        contentType: 'application/json',
        ...(requestId ? { requestId } : {}),
      };
    },
    stream() {
      throw new Error('not used by the list adapters');
    },
    async close() {},
  };
}

type Adapter = (body: string) => Promise<UpstreamPage<unknown>>;

const adapters = {
  customers: (body: string) =>
    asRead(searchCustomers(upstreamSending(body), CALLER, { filter: null, token: null, size: 20 })),
  invoices: (body: string) => asRead(listInvoices(upstreamSending(body), CALLER, { token: null, size: 20 })),
  subscriptions: (body: string) => asRead(listSubscriptions(upstreamSending(body), CALLER, { token: null, size: 20 })),
} satisfies Record<string, Adapter>;

/**
 * The page an adapter read, as data. Every test of an adapter also holds the page's `again` to
 * reading the same answer once more: equal records, fresh objects, no second upstream request.
 */
async function asRead<T>(reading: Promise<UpstreamPage<T>>): Promise<UpstreamPage<T>> {
  const { records, next, total, again } = await reading;
  if (!again) throw new Error('an adapter page must be readable again');
  const second = again();
  // toEqual and the JSON text, as below: an unmodelled field named `constructor` defeats toStrictEqual.
  expect({ records: second.records, next: second.next, total: second.total }).toEqual({ records, next, total });
  expect(JSON.stringify(second.records)).toBe(JSON.stringify(records));
  if (records.length > 0) expect(second.records[0]).not.toBe(records[0]);
  return { records, next, total };
}

async function rejectionOf(outcome: Promise<unknown>): Promise<PartnerError> {
  const error = await outcome.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PartnerError)) throw new Error(`expected a PartnerError, got ${String(error)}`);
  return error;
}

const json = (value: unknown) => JSON.stringify(value);

// ---------------------------------------------------------------------------------------------
// Fixtures: one valid record per resource, as the sandbox sends them (with unmodelled fields).

const CUSTOMER = {
  id: 'cus-001',
  name: 'Acme Ltd',
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@acme.example',
  created: '2024-03-01T01:36:08.325Z',
  updated: '2024-03-02T09:00:00Z',
  company: 'Acme Ltd',
  tags: ['vip'],
  marketing_opt_in: false,
};

const INVOICE = {
  id: '8A1F0C2E9B7D4E6F8A1F0C2E9B7D4E6F',
  invoiceNumber: 'INV00001234',
  accountId: 'acc-42',
  invoiceDate: '2024-03-01',
  dueDate: '2024-03-31',
  amount: 1249.5,
  balance: 0.1,
  currency: 'GBP',
  status: 'Posted',
  createdDate: '2024-03-01T10:00:00Z',
  taxAmount: -3,
};

const SUBSCRIPTION = {
  id: 'sub-001',
  name: '3V053CN9SFIG',
  status: 'initial',
  start: '2024-03-01',
  customer: 'cus-001',
  owner: 'agent@acme.example',
  record_type: 'subscription',
  created: '2024-03-01T01:36:08.325Z',
  updated: '2024-03-05T01:36:08.325Z',
  data: { offer: 'digital', price: { amount: 9.99, currency: 'GBP' }, end: null },
  mode: 'live',
};

function withField(record: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...record };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}

// ---------------------------------------------------------------------------------------------

describe('searchCustomers', () => {
  it('maps a page field by field, keeping unmodelled fields in order as extra', async () => {
    const sparse = {
      id: 'cus-002',
      name: '',
      created: '2024-03-01',
      first_name: null,
      email: undefined,
      zeta: 1,
      alpha: { nested: [1] },
    };
    const page = await adapters.customers(
      json({ items: [CUSTOMER, sparse], hits: 57, queryMore: 'eyJjcmVhdGVkIjoiMjAyNC0wMy0wMVQwMTozNjowOC4zMjVaIn0=' }),
    );
    expect(page).toStrictEqual({
      records: [
        {
          id: 'cus-001',
          name: 'Acme Ltd',
          firstName: 'Ada',
          lastName: 'Lovelace',
          email: 'ada@acme.example',
          createdAt: '2024-03-01T01:36:08.325Z',
          updatedAt: '2024-03-02T09:00:00Z',
          extra: { company: 'Acme Ltd', tags: ['vip'], marketing_opt_in: false },
        },
        {
          id: 'cus-002',
          name: '',
          firstName: null,
          lastName: null,
          email: null,
          createdAt: '2024-03-01',
          updatedAt: null,
          extra: { zeta: 1, alpha: { nested: [1] } },
        },
      ],
      next: 'eyJjcmVhdGVkIjoiMjAyNC0wMy0wMVQwMTozNjowOC4zMjVaIn0=',
      total: 57,
    });
    expect(Object.keys(page.records[1]?.extra ?? {})).toEqual(['zeta', 'alpha']);
  });

  it('sends the filter, token and size upstream', async () => {
    const http = upstreamSending(json({ items: [] }));
    await searchCustomers(http, CALLER, { filter: 'acme', token: 'abc+/=', size: 7 });
    expect(http.requests).toEqual([
      {
        endpoint: 'customers',
        path: '/partner/customer',
        query: { filter: 'acme', queryMore: 'abc+/=', limit: 7 },
        token: 'token-1',
        headers: {},
      },
    ]);
  });

  it('reads an empty body object as the last, empty page with no total', async () => {
    expect(await adapters.customers('{}')).toStrictEqual({ records: [], next: null, total: null });
    expect(await adapters.customers(json({ items: [], hits: 0, queryMore: null }))).toStrictEqual({
      records: [],
      next: null,
      total: 0,
    });
  });

  it('accepts a next-page token of exactly 4096 characters', async () => {
    const token = 'x'.repeat(4096);
    expect((await adapters.customers(json({ items: [], queryMore: token }))).next).toBe(token);
  });

  it.each([
    ['a numeric id', 'items.1.id', { items: [CUSTOMER, withField(CUSTOMER, 'id', 42)] }],
    ['an empty id', 'items.1.id', { items: [CUSTOMER, withField(CUSTOMER, 'id', '')] }],
    ['a missing id', 'items.0.id', { items: [withField(CUSTOMER, 'id', undefined)] }],
    ['a null name', 'items.0.name', { items: [withField(CUSTOMER, 'name', null)] }],
    ['a numeric email', 'items.3.email', { items: [CUSTOMER, CUSTOMER, CUSTOMER, withField(CUSTOMER, 'email', 5)] }],
    ['a boolean first_name', 'items.0.first_name', { items: [withField(CUSTOMER, 'first_name', true)] }],
    ['a created that is no date', 'items.0.created', { items: [withField(CUSTOMER, 'created', 'yesterday')] }],
    ['a missing created', 'items.0.created', { items: [withField(CUSTOMER, 'created', undefined)] }],
    ['an updated that is no date', 'items.0.updated', { items: [withField(CUSTOMER, 'updated', 'soon')] }],
    ['a record that is a string', 'items.1', { items: [CUSTOMER, 'cus-2'] }],
    ['a record that is null', 'items.0', { items: [null] }],
    ['a record that is an array', 'items.0', { items: [[CUSTOMER]] }],
    ['items as an object', 'items', { items: { 0: CUSTOMER } }],
    ['null items', 'items', { items: null }],
    ['a negative hits', 'hits', { items: [], hits: -1 }],
    ['a fractional hits', 'hits', { items: [], hits: 1.5 }],
    ['hits as a string', 'hits', { items: [], hits: '3' }],
    ['a null hits', 'hits', { items: [], hits: null }],
    ['hits beyond a safe integer', 'hits', { items: [], hits: 2 ** 53 }],
    ['an empty token', 'queryMore', { items: [], queryMore: '' }],
    ['a token of 4097 characters', 'queryMore', { items: [], queryMore: 'x'.repeat(4097) }],
    ['a numeric token', 'queryMore', { items: [], queryMore: 5 }],
    ['a body that is an array', 'body', [CUSTOMER]],
    ['a body that is null', 'body', null],
    ['a body that is a string', 'body', 'items'],
    // The first mismatch in the upstream's order is the one named.
    [
      'a bad record and a bad hits',
      'items.1.email',
      { items: [CUSTOMER, withField(CUSTOMER, 'email', 5)], hits: -1, queryMore: '' },
    ],
    ['a bad hits and a bad token', 'hits', { items: [CUSTOMER], hits: -1, queryMore: '' }],
    ['two bad fields in one record', 'items.0.id', { items: [{ ...CUSTOMER, email: 5, id: '' }] }],
  ])('refuses %s, naming %s', async (_label, path, body) => {
    const error = await rejectionOf(adapters.customers(json(body)));
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toBe(`The partner API sent a customer page of an unexpected shape (at ${path}).`);
  });

  it('reports the upstream status and request id with a shape error', async () => {
    const http = upstreamSending(json({ items: [{}] }), 'req-7');
    const error = await rejectionOf(searchCustomers(http, CALLER, { filter: null, token: null, size: 20 }));
    expect(error.upstream).toEqual({ status: 200, requestId: 'req-7' });
  });

  it('refuses a body that is not JSON with its own message', async () => {
    const error = await rejectionOf(adapters.customers('{"items": ['));
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toBe('The partner API sent a customer page that is not valid JSON.');
    expect(error.upstream).toEqual({ status: 200 });
  });

  it('drops an unmodelled __proto__ field instead of letting it replace the prototype of extra', async () => {
    const page = await adapters.customers(
      `{"items":[{"id":"c","name":"n","created":"2024-03-01","__proto__":{"polluted":true},"kept":1}]}`,
    );
    const extra = page.records[0]?.extra;
    expect(extra).toStrictEqual({ kept: 1 });
    expect(Object.getPrototypeOf(extra)).toBe(Object.prototype);
  });
});

describe('listInvoices', () => {
  /** A page of one invoice whose amount is the JSON number text `text`, as sent. */
  const withAmount = (text: string) => `{"invoices":[${json(INVOICE).replace('"amount":1249.5', `"amount":${text}`)}]}`;

  it('maps a page field by field: lower-case id, money as exact decimal text, unmodelled fields as extra', async () => {
    const page = await adapters.invoices(json({ invoices: [INVOICE], nextPage: 'next-1' }));
    expect(page).toStrictEqual({
      records: [
        {
          id: '8a1f0c2e9b7d4e6f8a1f0c2e9b7d4e6f',
          invoiceNumber: 'INV00001234',
          accountId: 'acc-42',
          invoiceDate: '2024-03-01',
          dueDate: '2024-03-31',
          amount: '1249.50',
          balance: '0.10',
          currency: 'GBP',
          status: 'Posted',
          extra: { createdDate: '2024-03-01T10:00:00Z', taxAmount: -3 },
        },
      ],
      next: 'next-1',
      total: null,
    });
  });

  it('sends the token as cursor and the size as pageSize', async () => {
    const http = upstreamSending(json({}));
    await listInvoices(http, CALLER, { token: 't1', size: 100 });
    expect(http.requests[0]).toMatchObject({
      endpoint: 'invoices',
      path: '/partner/invoices',
      query: { pageSize: 100, cursor: 't1' },
    });
  });

  it.each([
    [1249.5, '1249.50'],
    [0.1, '0.10'],
    [-3, '-3.00'],
    [120, '120.00'],
    [19.99, '19.99'],
    [0, '0.00'],
    [-0, '0.00'],
    [-0.5, '-0.50'],
    [1.005, '1.005'],
    [0.000001, '0.000001'],
    [999_999_999_999_999.9, '999999999999999.90'],
  ])('turns the amount %s into %j', async (amount, text) => {
    const page = await adapters.invoices(withAmount(Object.is(amount, -0) ? '-0' : String(amount)));
    expect(page.records[0]).toMatchObject({ amount: text });
  });

  it('accepts a null dueDate and a month the calendar has not (only the YYYY-MM-DD form is checked)', async () => {
    const page = await adapters.invoices(
      json({ invoices: [{ ...INVOICE, dueDate: null, invoiceDate: '2024-13-45' }] }),
    );
    expect(page.records[0]).toMatchObject({ dueDate: null, invoiceDate: '2024-13-45' });
  });

  it.each([
    ['an id of 31 hex characters', 'invoices.0.id', json({ invoices: [withField(INVOICE, 'id', 'a'.repeat(31))] })],
    ['an id that is not hex', 'invoices.1.id', json({ invoices: [INVOICE, withField(INVOICE, 'id', 'g'.repeat(32))] })],
    [
      'an empty invoiceNumber',
      'invoices.0.invoiceNumber',
      json({ invoices: [withField(INVOICE, 'invoiceNumber', '')] }),
    ],
    ['a missing accountId', 'invoices.0.accountId', json({ invoices: [withField(INVOICE, 'accountId', undefined)] })],
    [
      'an invoiceDate with a one-digit month',
      'invoices.0.invoiceDate',
      json({ invoices: [withField(INVOICE, 'invoiceDate', '2024-3-01')] }),
    ],
    [
      'an invoiceDate with a time',
      'invoices.0.invoiceDate',
      json({ invoices: [withField(INVOICE, 'invoiceDate', '2024-03-01T00:00:00Z')] }),
    ],
    ['a dueDate that is no date', 'invoices.0.dueDate', json({ invoices: [withField(INVOICE, 'dueDate', 'soon')] })],
    ['an amount as a string', 'invoices.0.amount', json({ invoices: [withField(INVOICE, 'amount', '12.00')] })],
    ['an exponent amount (1e21)', 'invoices.0.amount', withAmount('1e21')],
    ['an amount of 1e15', 'invoices.0.amount', withAmount('1e15')],
    ['an amount below 1e-6 (1e-7)', 'invoices.0.amount', withAmount('1e-7')],
    ['an amount that overflows to Infinity', 'invoices.0.amount', withAmount('1e400')],
    ['a null balance', 'invoices.0.balance', json({ invoices: [withField(INVOICE, 'balance', null)] })],
    ['a lower-case currency', 'invoices.0.currency', json({ invoices: [withField(INVOICE, 'currency', 'usd')] })],
    ['a four-letter currency', 'invoices.0.currency', json({ invoices: [withField(INVOICE, 'currency', 'GBPX')] })],
    ['an empty status', 'invoices.0.status', json({ invoices: [withField(INVOICE, 'status', '')] })],
    ['invoices as a string', 'invoices', json({ invoices: 'none' })],
    ['a token of 4097 characters', 'nextPage', json({ invoices: [INVOICE], nextPage: 'x'.repeat(4097) })],
  ])('refuses %s, naming %s', async (_label, path, body) => {
    const error = await rejectionOf(adapters.invoices(body));
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toBe(`The partner API sent an invoice page of an unexpected shape (at ${path}).`);
  });
});

describe('listSubscriptions', () => {
  it('maps a page field by field, with data as sent and unmodelled fields as extra', async () => {
    const page = await adapters.subscriptions(json({ items: [SUBSCRIPTION], queryMore: 'q2' }));
    expect(page).toStrictEqual({
      records: [
        {
          id: 'sub-001',
          name: '3V053CN9SFIG',
          status: 'initial',
          startDate: '2024-03-01',
          customerId: 'cus-001',
          owner: 'agent@acme.example',
          createdAt: '2024-03-01T01:36:08.325Z',
          updatedAt: '2024-03-05T01:36:08.325Z',
          data: { offer: 'digital', price: { amount: 9.99, currency: 'GBP' }, end: null },
          extra: { record_type: 'subscription', mode: 'live' },
        },
      ],
      next: 'q2',
      total: null,
    });
  });

  it('reads absent and null optional fields as null', async () => {
    const page = await adapters.subscriptions(
      json({ items: [{ id: 's', name: '', status: 'active', created: '2024-03-01', start: null, data: null }] }),
    );
    expect(page.records).toStrictEqual([
      {
        id: 's',
        name: '',
        status: 'active',
        startDate: null,
        customerId: null,
        owner: null,
        createdAt: '2024-03-01',
        updatedAt: null,
        data: null,
        extra: {},
      },
    ]);
  });

  it('drops a __proto__ key of data, as the zod record did, and keeps the rest in order', async () => {
    const page = await adapters.subscriptions(
      `{"items":[{"id":"s","name":"n","status":"active","created":"2024-03-01","data":{"b":1,"__proto__":{"x":1},"a":2}}]}`,
    );
    const data = page.records[0]?.data;
    expect(data).toStrictEqual({ b: 1, a: 2 });
    expect(Object.keys(data ?? {})).toEqual(['b', 'a']);
  });

  it.each([
    ['an empty id', 'items.0.id', { items: [withField(SUBSCRIPTION, 'id', '')] }],
    ['a numeric name', 'items.0.name', { items: [withField(SUBSCRIPTION, 'name', 7)] }],
    ['an empty status', 'items.1.status', { items: [SUBSCRIPTION, withField(SUBSCRIPTION, 'status', '')] }],
    ['a start with a time', 'items.0.start', { items: [withField(SUBSCRIPTION, 'start', '2024-03-01T00:00:00Z')] }],
    ['a numeric customer', 'items.0.customer', { items: [withField(SUBSCRIPTION, 'customer', 1)] }],
    ['an owner object', 'items.0.owner', { items: [withField(SUBSCRIPTION, 'owner', {})] }],
    ['a created that is no date', 'items.0.created', { items: [withField(SUBSCRIPTION, 'created', '')] }],
    ['an updated that is no date', 'items.0.updated', { items: [withField(SUBSCRIPTION, 'updated', 'later')] }],
    ['data as an array', 'items.0.data', { items: [withField(SUBSCRIPTION, 'data', [1])] }],
    ['data as a string', 'items.0.data', { items: [withField(SUBSCRIPTION, 'data', 'x')] }],
    ['an empty token', 'queryMore', { items: [], queryMore: '' }],
  ])('refuses %s, naming %s', async (_label, path, body) => {
    const error = await rejectionOf(adapters.subscriptions(json(body)));
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toBe(`The partner API sent a subscription page of an unexpected shape (at ${path}).`);
  });
});

// ---------------------------------------------------------------------------------------------
// The reference oracle: the zod schemas and mappers the adapters used before they were replaced
// by single-pass readers (performance issue #7), copied verbatim. The new readers must accept and
// refuse exactly what these did, with the same path in the message and the same records.

const oracle = (() => {
  function parseUpstreamJson<S extends z.ZodType>(response: UpstreamResponse, schema: S, what: string): z.output<S> {
    const facts = { status: response.status, ...(response.requestId ? { requestId: response.requestId } : {}) };
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new PartnerError('UPSTREAM_BAD_RESPONSE', `The partner API sent ${what} that is not valid JSON.`, facts);
    }
    const parsed = schema.safeParse(parsedJson);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || 'body';
      throw new PartnerError(
        'UPSTREAM_BAD_RESPONSE',
        `The partner API sent ${what} of an unexpected shape (at ${where}).`,
        facts,
      );
    }
    return parsed.data;
  }
  function unmodelled(record: Record<string, unknown>, modelled: ReadonlySet<string>): Record<string, unknown> {
    const extra: Record<string, unknown> = {};
    for (const key in record) if (!modelled.has(key)) extra[key] = record[key];
    return extra;
  }
  const money = z
    .number()
    .finite()
    .refine((n) => Math.abs(n) < 1e15 && !String(n).includes('e'), 'amount out of range')
    .transform((n) => {
      const text = String(n);
      const [whole = '0', fraction = ''] = text.split('.');
      return `${whole}.${fraction.padEnd(2, '0')}`;
    });
  const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a YYYY-MM-DD date');
  const isoDateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 date-time');
  const pageToken = z.string().min(1).max(4096);

  const customerRecord = z.looseObject({
    id: z.string().min(1),
    name: z.string(),
    first_name: z.string().nullish(),
    last_name: z.string().nullish(),
    email: z.string().nullish(),
    created: isoDateTime,
    updated: isoDateTime.nullish(),
  });
  const customerPage = z.looseObject({
    items: z.array(customerRecord).default([]),
    hits: z.number().int().nonnegative().optional(),
    queryMore: pageToken.nullish(),
  });
  const CUSTOMER_FIELDS: ReadonlySet<string> = new Set([
    'id',
    'name',
    'first_name',
    'last_name',
    'email',
    'created',
    'updated',
  ]);

  const invoiceRecord = z.looseObject({
    id: z.string().regex(/^[0-9a-f]{32}$/i, 'a 32-hex invoice id'),
    invoiceNumber: z.string().min(1),
    accountId: z.string().min(1),
    invoiceDate: isoDate,
    dueDate: isoDate.nullish(),
    amount: money,
    balance: money,
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO-4217 code'),
    status: z.string().min(1),
  });
  const invoicePage = z.looseObject({
    invoices: z.array(invoiceRecord).default([]),
    nextPage: pageToken.nullish(),
  });
  const INVOICE_FIELDS: ReadonlySet<string> = new Set([
    'id',
    'invoiceNumber',
    'accountId',
    'invoiceDate',
    'dueDate',
    'amount',
    'balance',
    'currency',
    'status',
  ]);

  const subscriptionRecord = z.looseObject({
    id: z.string().min(1),
    name: z.string(),
    status: z.string().min(1),
    start: isoDate.nullish(),
    customer: z.string().nullish(),
    owner: z.string().nullish(),
    created: isoDateTime,
    updated: isoDateTime.nullish(),
    data: z.record(z.string(), z.unknown()).nullish(),
  });
  const subscriptionPage = z.looseObject({
    items: z.array(subscriptionRecord).default([]),
    queryMore: pageToken.nullish(),
  });
  const SUBSCRIPTION_FIELDS: ReadonlySet<string> = new Set([
    'id',
    'name',
    'status',
    'start',
    'customer',
    'owner',
    'created',
    'updated',
    'data',
  ]);

  const response = (body: string): UpstreamResponse => ({
    status: 200,
    body: Buffer.from(body, 'utf8'),
    contentType: 'application/json',
  });

  return {
    customers: async (body: string) => {
      const page = parseUpstreamJson(response(body), customerPage, 'a customer page');
      const records = page.items.map((r) => ({
        id: r.id,
        name: r.name,
        firstName: r.first_name ?? null,
        lastName: r.last_name ?? null,
        email: r.email ?? null,
        createdAt: r.created,
        updatedAt: r.updated ?? null,
        extra: unmodelled(r, CUSTOMER_FIELDS),
      }));
      return { records, next: page.queryMore ?? null, total: page.hits ?? null };
    },
    invoices: async (body: string) => {
      const page = parseUpstreamJson(response(body), invoicePage, 'an invoice page');
      const records = page.invoices.map((r) => ({
        id: r.id.toLowerCase(),
        invoiceNumber: r.invoiceNumber,
        accountId: r.accountId,
        invoiceDate: r.invoiceDate,
        dueDate: r.dueDate ?? null,
        amount: r.amount,
        balance: r.balance,
        currency: r.currency,
        status: r.status,
        extra: unmodelled(r, INVOICE_FIELDS),
      }));
      return { records, next: page.nextPage ?? null, total: null };
    },
    subscriptions: async (body: string) => {
      const page = parseUpstreamJson(response(body), subscriptionPage, 'a subscription page');
      const records = page.items.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        startDate: r.start ?? null,
        customerId: r.customer ?? null,
        owner: r.owner ?? null,
        createdAt: r.created,
        updatedAt: r.updated ?? null,
        data: r.data ?? null,
        extra: unmodelled(r, SUBSCRIPTION_FIELDS),
      }));
      return { records, next: page.queryMore ?? null, total: null };
    },
  } satisfies Record<keyof typeof adapters, Adapter>;
})();

// Generated bodies are JSON text, so that key order, duplicate keys and `__proto__` keys reach
// both sides exactly as an upstream could send them. Each field is mostly well-formed (so that
// many pages are accepted) and sometimes a near miss, any JSON value, null, or absent.
type JsonText = string;
type Entry = readonly [string, JsonText];

const objectText = (entries: readonly Entry[]): JsonText =>
  `{${entries.map(([key, value]) => `${json(key)}:${value}`).join(',')}}`;
const anyJson: fc.Arbitrary<JsonText> = fc.jsonValue({ maxDepth: 2 }).map(json);
const texts = (...values: string[]) => fc.constantFrom(...values.map(json));
const stringText = (constraints: fc.StringConstraints = {}) => fc.string({ maxLength: 10, ...constraints }).map(json);

interface FieldValues {
  valid: fc.Arbitrary<JsonText>;
  nearMiss: fc.Arbitrary<JsonText>;
}

const anyString: FieldValues = { valid: stringText(), nearMiss: fc.constantFrom('0', 'true', '[]', '{}') };
const nonEmptyString: FieldValues = { valid: stringText({ minLength: 1 }), nearMiss: texts('') };
const isoDateTimeValue: FieldValues = {
  valid: fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => json(d.toISOString())),
    texts('2024-03-01', '2024-03-01T01:36:08+01:00', 'Mon, 01 Jan 2024 00:00:00 GMT'),
  ),
  nearMiss: fc.oneof(
    texts('2024', '2024-02-30', '2024-03-01T25:00:00Z', 'yesterday', 'garbage 2030', '', ' '),
    stringText(),
  ),
};
const isoDateValue: FieldValues = {
  valid: fc
    .date({ min: new Date('0000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
    .map((d) => json(d.toISOString().slice(0, 10))),
  nearMiss: fc.oneof(
    texts('2024-13-45', '2024-3-01', '2024-03-01T00:00:00Z', '２０２４-01-01', '2024-03-01\n', '+2024-03-01', ''),
    stringText(),
  ),
};
const moneyValue: FieldValues = {
  valid: fc.oneof(
    fc.integer({ min: -10_000_000, max: 10_000_000 }).map((cents) => json(cents / 100)),
    fc.integer().map(json),
  ),
  nearMiss: fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? '-0' : json(n))),
    fc.constantFrom(
      '-0',
      '0.1',
      '1e15',
      '-1e15',
      '999999999999999.9',
      '0.000001',
      '1e-7',
      '1e21',
      '1e400',
      '-1e400',
      '1E2',
      '1.50',
      '100e-2',
      '"12.00"',
    ),
  ),
};
const currencyValue: FieldValues = {
  valid: fc.stringMatching(/^[A-Z]{3}$/).map(json),
  nearMiss: fc.oneof(texts('usd', 'GB', 'GBPX', 'G1P', 'GBP\n', ''), stringText({ maxLength: 4 })),
};
const invoiceIdValue: FieldValues = {
  valid: fc.stringMatching(/^[0-9a-fA-F]{32}$/).map(json),
  nearMiss: fc.stringMatching(/^[0-9a-g]{31,33}$/).map(json),
};
const pageTokenValue: FieldValues = {
  valid: fc.oneof(
    stringText({ minLength: 1 }),
    texts('eyJjcmVhdGVkIjoiMjAyNC0wMy0wMVQwMTozNjowOC4zMjVaIn0=', 'x'.repeat(4096)),
  ),
  nearMiss: fc.oneof(texts('', 'x'.repeat(4097)), fc.constant('7')),
};
const countValue: FieldValues = {
  valid: fc.nat().map(json),
  nearMiss: fc.constantFrom('-1', '-0', '1.5', '9007199254740991', '9007199254740992', '1e21', '"3"'),
};
const dataValue: FieldValues = {
  valid: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }).map(json),
  nearMiss: fc.constantFrom('{"b":1,"__proto__":{"x":1},"a":2}', '{"1":1,"0":0,"z":2}', '[]', '[{"a":1}]', '"x"', '0'),
};

function field(key: string, { valid, nearMiss }: FieldValues): fc.Arbitrary<Entry | null> {
  return fc.oneof(
    { weight: 40, arbitrary: valid.map((v): Entry => [key, v]) },
    { weight: 1, arbitrary: nearMiss.map((v): Entry => [key, v]) },
    { weight: 1, arbitrary: anyJson.map((v): Entry => [key, v]) },
    { weight: 1, arbitrary: fc.constant<Entry>([key, 'null']) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
}

const extraKey = fc.oneof(
  fc.constantFrom('__proto__', '0', '7', 'constructor', 'toString', 'tags', 'id', 'name', 'amount', 'data'),
  fc.string({ maxLength: 6 }),
);
const extraEntry: fc.Arbitrary<Entry> = fc.tuple(extraKey, fc.oneof(anyJson, fc.constant('{"__proto__":{"x":1}}')));

/** An object with the given fields and up to three others, in any order. */
function objectOf(fields: fc.Arbitrary<Entry | null>[]): fc.Arbitrary<JsonText> {
  return fc
    .tuple(fc.tuple(...fields), fc.array(extraEntry, { maxLength: 3 }))
    .chain(([modelled, extras]) => {
      const entries = [...modelled.filter((e): e is Entry => e !== null), ...extras];
      return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length });
    })
    .map(objectText);
}

function pageOf(
  listKey: string,
  record: fc.Arbitrary<JsonText>,
  pageFields: fc.Arbitrary<Entry | null>[],
): fc.Arbitrary<JsonText> {
  const list = fc
    .array(fc.oneof({ weight: 30, arbitrary: record }, { weight: 1, arbitrary: anyJson }), { maxLength: 3 })
    .map((items) => `[${items.join(',')}]`);
  const body = objectOf([field(listKey, { valid: list, nearMiss: fc.constantFrom('{}', '"[]"') }), ...pageFields]);
  return fc.oneof({ weight: 30, arbitrary: body }, { weight: 1, arbitrary: anyJson });
}

const customerPages = pageOf(
  'items',
  objectOf([
    field('id', nonEmptyString),
    field('name', anyString),
    field('first_name', anyString),
    field('last_name', anyString),
    field('email', anyString),
    field('created', isoDateTimeValue),
    field('updated', isoDateTimeValue),
  ]),
  [field('hits', countValue), field('queryMore', pageTokenValue)],
);
const invoicePages = pageOf(
  'invoices',
  objectOf([
    field('id', invoiceIdValue),
    field('invoiceNumber', nonEmptyString),
    field('accountId', nonEmptyString),
    field('invoiceDate', isoDateValue),
    field('dueDate', isoDateValue),
    field('amount', moneyValue),
    field('balance', moneyValue),
    field('currency', currencyValue),
    field('status', nonEmptyString),
  ]),
  [field('nextPage', pageTokenValue)],
);
const subscriptionPages = pageOf(
  'items',
  objectOf([
    field('id', nonEmptyString),
    field('name', anyString),
    field('status', nonEmptyString),
    field('start', isoDateValue),
    field('customer', anyString),
    field('owner', anyString),
    field('created', isoDateTimeValue),
    field('updated', isoDateTimeValue),
    field('data', dataValue),
  ]),
  [field('queryMore', pageTokenValue)],
);

type Outcome =
  | { ok: true; page: UpstreamPage<unknown>; text: string; plainObjects: boolean }
  | { ok: false; code: string; message: string };

/** Whether every record, its extra and its data (when an object) is a plain Object. */
function allPlain(page: UpstreamPage<unknown>): boolean {
  const plain = (value: unknown) => Object.getPrototypeOf(value) === Object.prototype;
  return page.records.every((record) => {
    const { extra, data } = record as { extra: unknown; data?: unknown };
    return plain(record) && plain(extra) && (data === undefined || data === null || plain(data));
  });
}

async function outcomeOf(adapter: Adapter, body: string): Promise<Outcome> {
  try {
    const page = await adapter(body);
    return { ok: true, page, text: json(page), plainObjects: allPlain(page) };
  } catch (error) {
    if (!(error instanceof PartnerError)) throw error;
    return { ok: false, code: error.code, message: error.message };
  }
}

describe('upstream parsing agrees with the zod schemas it replaced', () => {
  const cases = [
    ['customers', customerPages],
    ['invoices', invoicePages],
    ['subscriptions', subscriptionPages],
  ] as const;

  it.each(cases)(
    '%s: same pages accepted (same records, fields in the same order), same refusals with the same path',
    async (name, pages) => {
      const seen = { accepted: 0, refused: 0, records: 0 };
      await fc.assert(
        fc.asyncProperty(pages, async (body) => {
          const expected = await outcomeOf(oracle[name], body);
          const actual = await outcomeOf(adapters[name], body);
          // toEqual, not toStrictEqual: an unmodelled field named `constructor` would make the
          // type check compare two separate parses by reference. `text` catches key order,
          // `plainObjects` prototypes; toEqual still tells -0 from 0.
          expect(actual).toEqual(expected);
          if (expected.ok) {
            seen.accepted++;
            seen.records += expected.page.records.length;
          } else seen.refused++;
        }),
        { numRuns: 3_000 },
      );
      // The generated bodies must exercise both sides, with non-empty pages among the accepted.
      expect(seen.accepted).toBeGreaterThan(300);
      expect(seen.refused).toBeGreaterThan(300);
      expect(seen.records).toBeGreaterThan(300);
    },
  );
});
