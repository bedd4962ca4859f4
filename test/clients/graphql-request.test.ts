// Imported by the package's name, through its package.json `exports`, as a frontend repo would: the
// build in packages/client/dist (vitest's global setup builds it).
import {
  type CustomerPageQuery,
  createPartnerGraphClient,
  type InvoicesPageQuery,
  type SubscriptionsWithCustomersQuery,
} from '@partner-graph/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type ListEndpoint, walkRest } from '../support/rest.ts';
import { type Stack, startStack } from '../support/stack.ts';

const COUNTS = { customers: 43, invoices: 57, subscriptions: 31 };
const FIRST = 10;

describe('the typed graphql-request client (@partner-graph/client)', () => {
  let stack: Stack;
  let graphqlRequests = 0;
  const truth = new Map<ListEndpoint, string[]>();
  const countingFetch: typeof fetch = (input, init) => {
    graphqlRequests++;
    return fetch(input, init);
  };

  beforeAll(async () => {
    stack = await startStack({ sandbox: { ...COUNTS, trailingTokens: true } });
    for (const c of ['customers', 'invoices', 'subscriptions'] as const)
      truth.set(c, await walkRest(stack.sandbox.url, stack.orgA.token, c));
  });
  afterAll(() => stack.close());

  const client = () => createPartnerGraphClient(stack.graphqlUrl, { token: stack.orgA.token, fetch: countingFetch });

  it('is the compiled package, not the TypeScript source', async () => {
    const built = new URL('../../packages/client/dist/index.js', import.meta.url).href;
    const { createPartnerGraphClient: fromDist } = (await import(built)) as { createPartnerGraphClient: unknown };
    expect(createPartnerGraphClient).toBe(fromDist);
  });

  it.each([
    ['customers', (c: ReturnType<typeof client>) => c.allCustomers(FIRST)],
    ['invoices', (c: ReturnType<typeof client>) => c.allInvoices(FIRST)],
    ['subscriptions', (c: ReturnType<typeof client>) => c.allSubscriptions(FIRST)],
  ] as const)(
    'walks %s to the end: the REST truth, in order, one request per page and none after the last',
    async (connection, all) => {
      graphqlRequests = 0;
      const ids: string[] = [];
      for await (const node of all(client())) ids.push(node.id);
      expect(ids).toEqual(truth.get(connection));
      expect(graphqlRequests).toBe(Math.ceil(COUNTS[connection] / FIRST));
    },
  );

  it('types each operation from schema.graphql: invoice nodes carry a string pdfUrl, the connection may be null', async () => {
    const page = await client().invoices({ first: 2, pdfExpiresIn: 60 });
    expectTypeOf(page).toEqualTypeOf<InvoicesPageQuery>();
    expectTypeOf<
      NonNullable<InvoicesPageQuery['invoices']>['edges'][number]['node']['pdfUrl']
    >().toEqualTypeOf<string>();
    expect(page.invoices?.edges.map((e) => e.node.id)).toEqual(truth.get('invoices')?.slice(0, 2));
    expect(page.invoices?.edges[0]?.node.pdfUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/downloads\/invoices\/[A-Za-z0-9_-]{43}\.pdf$/,
    );
  });

  it('serves a subscriptions table with customers, and a customer page reached from it, in one request each', async () => {
    graphqlRequests = 0;
    const table = await client().subscriptionsWithCustomers({ first: 5 });
    expectTypeOf<
      NonNullable<SubscriptionsWithCustomersQuery['subscriptions']>['nodes'][number]['customer']
    >().toEqualTypeOf<{ id: string; name: string; email: string | null } | null>();
    const rows = table.subscriptions?.nodes ?? [];
    expect(rows.map((row) => row.id)).toEqual(truth.get('subscriptions')?.slice(0, 5));
    expect(rows.every((row) => row.customer?.id === row.customerId)).toBe(true);
    const id = rows[0]?.customer?.id ?? '';
    const page = await client().customer({ id });
    expectTypeOf(page).toEqualTypeOf<CustomerPageQuery>();
    expect(page.customer).toMatchObject({ id, name: rows[0]?.customer?.name });
    expect(graphqlRequests).toBe(2);
  });

  it('surfaces a GraphQL error code to the caller', async () => {
    const error: unknown = await client()
      .invoices({ first: 1, after: 'not-a-cursor' })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ response: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
  });

  it("passes allInvoices' link lifetime to pdfUrl(expiresIn:), which the server checks", async () => {
    const walk = client().allInvoices(FIRST, 0);
    const error: unknown = await walk.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      response: { errors: [{ path: expect.arrayContaining(['pdfUrl']), extensions: { code: 'BAD_USER_INPUT' } }] },
    });
    const first = await client().allInvoices(FIRST, 3600).next();
    expect(first.value?.pdfUrl).toMatch(/\/downloads\/invoices\//);
  });
});
