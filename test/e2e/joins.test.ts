import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LARGEST_CUSTOMER_PAGE } from '../../src/partner/customers.ts';
import { createUpstreamHttp, type UpstreamHttp } from '../../src/partner/http.ts';
import type { SandboxCustomer } from '../../src/sandbox/index.ts';
import { type GraphQLBody, type Stack, startStack } from '../support/stack.ts';

const TABLE = `query SubscriptionsWithCustomers {
  subscriptions(first: 50) {
    nodes { id customerId customer { id name firstName lastName email createdAt updatedAt } }
  }
}`;
const CUSTOMER = 'query ($id: ID!) { customer(id: $id) { id name email } }';
/** The default allowance, CUSTOMER_LOOKUP_CALLS. */
const ALLOWANCE = 15;

interface Row {
  id: string;
  customerId: string | null;
  customer: { id: string; name: string; email: string | null } | null;
}

const rowsOf = (body: GraphQLBody) => (body.data?.['subscriptions'] as { nodes: Row[] }).nodes;
const customersOf = (stack: Stack, index = 0) => stack.sandbox.organisations[index]?.customers ?? [];
const customerCalls = (stack: Stack, organisation = stack.orgA.name) =>
  stack.sandbox.calls.list({ endpoint: 'customers', organisation });
const asCaller = (token: string) => ({ authorization: `Bearer ${token}` });

/** What the schema must say for an upstream customer record, field for field. */
function expected(record: SandboxCustomer) {
  return {
    id: record.id,
    name: record.name,
    firstName: record.first_name,
    lastName: record.last_name,
    email: record.email,
    createdAt: record.created,
    updatedAt: record.updated,
  };
}

interface Readings {
  raw: string;
  decoded: string[];
}

/** Stored text as is, and each of its parts base64url-decoded: plain text would show in one of them. */
const readings = (raw: string): Readings => ({
  raw,
  decoded: raw.split(/[.:]/).map((part) => Buffer.from(part, 'base64url').toString('latin1')),
});

/** Random base64 text may hold a short word by chance; never 12 given characters, a space or an @. */
function exposes({ raw, decoded }: Readings, secret: string): boolean {
  const rawCheck = secret.length >= 12 || !/^[A-Za-z0-9_-]*$/.test(secret);
  return (rawCheck && raw.includes(secret)) || decoded.some((text) => text.includes(secret));
}

describe('a subscriptions table with each subscription’s customer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('gives every subscription the upstream customer record, for one subscriptions call plus ⌈customers / 40⌉ customer calls at most', async () => {
    stack.sandbox.calls.clear();
    const { body } = await stack.gql(TABLE);
    expect(body.errors).toBeUndefined();
    const byId = new Map(customersOf(stack).map((c) => [c.id, c]));
    const rows = rowsOf(body);
    expect(rows).toHaveLength(50);
    for (const row of rows) {
      const record = byId.get(row.customerId ?? '');
      if (!record) throw new Error(`subscription ${row.id} names no customer of the organisation`);
      expect(row.customer).toEqual(expected(record));
    }
    expect(stack.sandbox.calls.count({ endpoint: 'subscriptions' })).toBe(1);
    const calls = customerCalls(stack);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(customersOf(stack).length / LARGEST_CUSTOMER_PAGE));
    // Unfiltered, at the largest page the contract allows, each page once.
    for (const call of calls) expect(call.query).toMatchObject({ limit: String(LARGEST_CUSTOMER_PAGE) });
    expect(calls.every((c) => c.query['filter'] === undefined)).toBe(true);
    expect(new Set(calls.map((c) => c.query['queryMore'])).size).toBe(calls.length);
  });

  it('makes no customer call for the same screen again within the TTL', async () => {
    stack.sandbox.calls.clear();
    const { body } = await stack.gql(TABLE);
    expect(body.errors).toBeUndefined();
    expect(rowsOf(body).every((row) => row.customer?.id === row.customerId)).toBe(true);
    expect(customerCalls(stack)).toHaveLength(0);
    expect(stack.sandbox.calls.count()).toBe(1); // the subscriptions page
  });

  it('opens one customer by id, and answers null with no error for an id the organisation does not have', async () => {
    const record = customersOf(stack)[123];
    stack.sandbox.calls.clear();
    const found = await stack.gql(CUSTOMER, { id: record?.id });
    expect(found.body).toEqual({ data: { customer: { id: record?.id, name: record?.name, email: record?.email } } });
    const absent = await stack.gql(CUSTOMER, { id: 'cus-nosuchcustomer0000' });
    expect(absent.body).toEqual({ data: { customer: null } });
    expect(customerCalls(stack)).toHaveLength(0); // the walk was complete
  });

  it('refuses a malformed id as BAD_USER_INPUT, with no upstream call', async () => {
    stack.sandbox.calls.clear();
    for (const id of ['', 'sub-0123', 'cus-', 'cus-a b', `cus-${'x'.repeat(200)}`]) {
      const { body } = await stack.gql(CUSTOMER, { id });
      expect(body.data).toEqual({ customer: null });
      expect(body.errors?.map((e) => [e.path, e.extensions?.['code']])).toEqual([[['customer'], 'BAD_USER_INPUT']]);
    }
    expect(stack.sandbox.calls.count()).toBe(0);
  });

  it('refuses up front an operation whose pages and customer allowance pass the upstream-call budget', async () => {
    stack.sandbox.calls.clear();
    const pages = 'subscriptions(first: 500) { nodes { id } } invoices(first: 500) { nodes { id } }';
    const { body } = await stack.gql(`{ ${pages} customer(id: "cus-abc") { id } }`); // 6 + 6 + 15 > 25
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'upstreamCalls' });
    expect(body.errors?.[0]?.message).toMatch(/about 27 upstream calls \(15 of them to look customers up\)/);
    const throughFragment = await stack.gql(
      `{ subscriptions(first: 500) { ...S } invoices(first: 500) { nodes { id } } } fragment S on BillingSubscriptionConnection { nodes { ... on BillingSubscription { customer { id } } } }`,
    );
    expect(throughFragment.body.errors?.[0]?.extensions?.['limit']).toBe('upstreamCalls');
    expect(stack.sandbox.calls.count()).toBe(0);
    const without = await stack.gql(`{ ${pages} }`);
    expect(without.body.errors).toBeUndefined();
  });
});

describe('the walk resumes where it stopped', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('reads only the pages up to a customer, and later goes on from there instead of starting over', async () => {
    const customers = customersOf(stack);
    stack.sandbox.calls.clear();
    expect((await stack.gql(CUSTOMER, { id: customers[10]?.id })).body.errors).toBeUndefined();
    const first = customerCalls(stack);
    expect(first.map((c) => c.query['queryMore'])).toEqual([undefined]);
    stack.sandbox.calls.clear();
    const { body } = await stack.gql(CUSTOMER, { id: customers[130]?.id }); // on the fourth page
    expect((body.data?.['customer'] as { id: string }).id).toBe(customers[130]?.id);
    const more = customerCalls(stack);
    expect(more).toHaveLength(3);
    expect(more.every((c) => c.query['queryMore'] !== undefined)).toBe(true);
  });
});

describe('concurrent operations of one caller', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('share one walk', async () => {
    stack.sandbox.calls.clear();
    const [one, two] = await Promise.all([stack.gql(TABLE), stack.gql(TABLE)]);
    expect(one.body.errors).toBeUndefined();
    expect(two.body).toEqual(one.body);
    const calls = customerCalls(stack);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(customersOf(stack).length / LARGEST_CUSTOMER_PAGE));
    expect(new Set(calls.map((c) => c.query['queryMore'])).size).toBe(calls.length); // no page read twice
  });
});

describe('callers never share a directory', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it("answers null to organisation B's token for organisation A's customer, from B's own walk", async () => {
    const id = customersOf(stack)[5]?.id;
    expect((await stack.gql(CUSTOMER, { id })).body.data).toEqual({ customer: expect.objectContaining({ id }) });
    stack.sandbox.calls.clear();
    const { body } = await stack.gql(CUSTOMER, { id }, asCaller(stack.orgB.token));
    expect(body).toEqual({ data: { customer: null } });
    // B walked its own list to the end; nothing A's walk read served it.
    expect(customerCalls(stack, stack.orgA.name)).toHaveLength(0);
    const organisationB = customersOf(stack, 1).length;
    expect(customerCalls(stack, stack.orgB.name)).toHaveLength(Math.ceil(organisationB / LARGEST_CUSTOMER_PAGE));
  });
});

describe('an organisation with 4,000 customers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sandbox: { customers: 4_000, subscriptions: 300 } });
  });
  afterAll(() => stack.close());

  it('stays within the allowance; customers not met are null with CUSTOMER_LOOKUP_LIMIT at their own path, the rest intact', async () => {
    stack.sandbox.calls.clear();
    const { body } = await stack.gql(TABLE);
    expect(customerCalls(stack)).toHaveLength(ALLOWANCE);
    const rows = rowsOf(body);
    expect(rows).toHaveLength(50);
    expect(rows.every((row) => typeof row.id === 'string' && row.customerId !== null)).toBe(true);
    const read = new Set(
      customersOf(stack)
        .slice(0, ALLOWANCE * LARGEST_CUSTOMER_PAGE)
        .map((c) => c.id),
    );
    const unresolved = rows.flatMap((row, i) => (row.customer === null ? [i] : []));
    expect(unresolved.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.customer === null).toBe(!read.has(row.customerId ?? ''));
      if (row.customer) expect(row.customer.id).toBe(row.customerId);
    }
    expect(body.errors?.map((e) => e.path)).toEqual(unresolved.map((i) => ['subscriptions', 'nodes', i, 'customer']));
    expect(body.errors?.every((e) => e.extensions?.['code'] === 'CUSTOMER_LOOKUP_LIMIT')).toBe(true);
  });

  it('resolves more on the next operation, resuming the walk rather than starting over', async () => {
    stack.sandbox.calls.clear();
    const { body } = await stack.gql(TABLE);
    const calls = customerCalls(stack);
    expect(calls).toHaveLength(ALLOWANCE);
    expect(calls.every((c) => c.query['queryMore'] !== undefined)).toBe(true);
    const read = new Set(
      customersOf(stack)
        .slice(0, 2 * ALLOWANCE * LARGEST_CUSTOMER_PAGE)
        .map((c) => c.id),
    );
    for (const row of rowsOf(body)) expect(row.customer === null).toBe(!read.has(row.customerId ?? ''));
  });
});

describe('a failing walk', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { UPSTREAM_RETRY_BASE_MS: '1', UPSTREAM_RETRY_MAX_DELAY_MS: '5' } });
  });
  afterAll(() => stack.close());

  it('fails the customer fields only, each with the upstream code at its own path', async () => {
    stack.sandbox.faults.set([{ endpoint: 'customers', kind: 'status', status: 503 }]);
    try {
      const { body } = await stack.gql('{ subscriptions(first: 3) { nodes { id customer { id } } } }');
      const rows = rowsOf(body);
      expect(rows.map((row) => row.customer)).toEqual([null, null, null]);
      expect(rows.every((row) => row.id.startsWith('sub-'))).toBe(true);
      expect(body.errors?.map((e) => [e.path, e.extensions?.['code']])).toEqual(
        [0, 1, 2].map((i) => [['subscriptions', 'nodes', i, 'customer'], 'UPSTREAM_UNAVAILABLE']),
      );
    } finally {
      stack.sandbox.faults.clear();
    }
  });
});

describe('a subscription whose customer the directory cannot find', () => {
  let stack: Stack;
  let real: UpstreamHttp | undefined;
  /** The sandbox's subscriptions, the first naming a customer nobody has, the second none. */
  const http: UpstreamHttp = {
    async get(request) {
      if (!real) throw new Error('not started');
      const response = await real.get(request);
      if (request.endpoint !== 'subscriptions') return response;
      const page = JSON.parse(response.body.toString('utf8')) as { items: Record<string, unknown>[] };
      if (page.items[0]) page.items[0]['customer'] = 'cus-nosuchcustomer0000';
      if (page.items[1]) delete page.items[1]['customer'];
      return { ...response, body: Buffer.from(JSON.stringify(page)) };
    },
    stream: (request) => (real ? real.stream(request) : Promise.reject(new Error('not started'))),
    close: async () => real?.close(),
  };
  beforeAll(async () => {
    stack = await startStack({ deps: { http } });
    real = createUpstreamHttp({ baseUrl: stack.sandbox.url, timeoutMs: 5_000, maxSockets: 4 });
  });
  afterAll(() => stack.close());

  it('gives customer: null and no error once the walk is complete', async () => {
    const { body } = await stack.gql('{ subscriptions(first: 3) { nodes { customerId customer { id } } } }');
    expect(body.errors).toBeUndefined();
    const rows = rowsOf(body);
    expect(rows.slice(0, 2)).toEqual([
      { customerId: 'cus-nosuchcustomer0000', customer: null },
      { customerId: null, customer: null },
    ]);
    expect(rows[2]?.customer?.id).toBe(rows[2]?.customerId);
    const calls = customerCalls(stack);
    expect(calls).toHaveLength(Math.ceil(customersOf(stack).length / LARGEST_CUSTOMER_PAGE));
  });
});

describe('two instances sharing Redis', () => {
  const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const PREFIX = `pg-test:joins:${randomUUID()}:`;
  const env = {
    SERVER_SECRET: 'joins-test-server-secret-of-32-characters-or-more',
    REDIS_URL,
    REDIS_KEY_PREFIX: PREFIX,
  };
  let one: Stack;
  let two: Stack;
  let redis: Redis;
  beforeAll(async () => {
    // Two sandboxes of the same seed: the same tokens and records, each with its own call record.
    [one, two] = await Promise.all([startStack({ env }), startStack({ env })]);
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await Promise.all([one.close(), two.close()]);
  });

  it('the second instance makes no customer call for what the first has walked', async () => {
    const first = await one.gql(TABLE);
    expect(first.body.errors).toBeUndefined();
    expect(customerCalls(one).length).toBeGreaterThan(0);
    const second = await two.gql(TABLE);
    expect(second.body).toEqual(first.body);
    expect(customerCalls(two)).toHaveLength(0);
  });

  it('holds no token, no customer name or email, and no customer id in Redis', async () => {
    const keys = await redis.keys(`${PREFIX}*`);
    expect(keys.length).toBeGreaterThan(0);
    const values = await redis.mget(...keys);
    const forbidden = [
      one.orgA.token,
      ...customersOf(one).flatMap((c) => [c.id, c.name, c.email, c.first_name, c.last_name]),
    ];
    expect(values.every((value) => /^v1(\.[A-Za-z0-9_-]+){3}$/.test(value ?? ''))).toBe(true); // all sealed
    const stored = [...keys, ...values.map((value) => value ?? '')].map(readings);
    const leaked = forbidden.filter((secret) => stored.some((text) => exposes(text, secret)));
    expect(leaked).toEqual([]);
  });

  it('lets two instances asked at once share one walk', async () => {
    const caller = asCaller(one.orgB.token);
    const [a, b] = await Promise.all([one.gql(TABLE, {}, caller), two.gql(TABLE, {}, caller)]);
    expect(a.body.errors).toBeUndefined();
    expect(b.body).toEqual(a.body);
    const calls = [...customerCalls(one, one.orgB.name), ...customerCalls(two, two.orgB.name)];
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(customersOf(one, 1).length / LARGEST_CUSTOMER_PAGE));
    expect(new Set(calls.map((c) => c.query['queryMore'])).size).toBe(calls.length);
  });
});
