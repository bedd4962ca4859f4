import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  base64Json,
  bearer,
  type ErrorBody,
  getJson,
  isServedOrder,
  LISTS,
  type ListEndpoint,
  listPath,
  ORG_A,
  readListPage,
  recordsOf,
  walk,
} from './helpers.ts';

const ENDPOINTS: ListEndpoint[] = ['customers', 'invoices', 'subscriptions'];

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

describe.each(ENDPOINTS)('walking %s', (endpoint) => {
  it('yields every record once, newest first with an id tie-break, whatever the page size', async () => {
    const expected = recordsOf(sandbox, endpoint);
    expect(isServedOrder(expected)).toBe(true);
    const walks = await Promise.all([13, 40, 100, undefined].map((size) => walk(sandbox, endpoint, size)));
    for (const result of walks) {
      expect(result.records).toEqual(expected);
      expect(new Set(result.ids).size).toBe(300);
    }
    expect(walks.map((result) => result.requests)).toEqual([24, 8, 3, endpoint === 'subscriptions' ? 6 : 8]);
  });

  it('splits records that share a creation time across pages without losing or repeating one', async () => {
    const expected = recordsOf(sandbox, endpoint);
    const { size, token } = LISTS[endpoint];
    const ties = expected.flatMap((record, i) => (expected[i + 1]?.created === record.created ? [i] : []));
    expect(ties.length).toBeGreaterThan(3);
    for (const i of ties.slice(0, 12)) {
      const after = base64Json({ created: expected[i]?.created, id: expected[i]?.id });
      const page = readListPage(
        endpoint,
        (await getJson(sandbox, listPath(endpoint, { [size]: 2, [token]: after }))).body,
      );
      expect(page.records).toEqual(expected.slice(i + 1, i + 3));
    }
  });

  it('issues tokens that are base64 JSON of the last record served ({created, id})', async () => {
    const { size } = LISTS[endpoint];
    const { body } = await getJson(sandbox, `${LISTS[endpoint].path}?${size}=5`);
    const page = readListPage(endpoint, body);
    const last = page.records[4];
    expect(page.next).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(JSON.parse(Buffer.from(page.next ?? '', 'base64').toString('utf8'))).toEqual({
      created: last?.created,
      id: last?.id,
    });
  });

  it('accepts a token with another page size and continues at the same position', async () => {
    const expected = recordsOf(sandbox, endpoint);
    const { size, token } = LISTS[endpoint];
    const first = readListPage(endpoint, (await getJson(sandbox, listPath(endpoint, { [size]: 10 }))).body);
    for (const nextSize of [1, 25, 100]) {
      const next = await getJson(sandbox, listPath(endpoint, { [size]: nextSize, [token]: first.next }));
      expect(readListPage(endpoint, next.body).records).toEqual(expected.slice(10, 10 + nextSize));
    }
  });

  it('accepts a token with only `created`, like the documented example, and skips that instant', async () => {
    const expected = recordsOf(sandbox, endpoint);
    const anchor = expected[20];
    if (anchor === undefined) throw new Error('fixture');
    const { size, token } = LISTS[endpoint];
    const page = readListPage(
      endpoint,
      (await getJson(sandbox, listPath(endpoint, { [size]: 5, [token]: base64Json({ created: anchor.created }) })))
        .body,
    );
    expect(page.records).toEqual(expected.filter((record) => record.created < anchor.created).slice(0, 5));
    const documented = 'eyJjcmVhdGVkIjoiMjAyNC0wMy0wMVQwMTozNjowOC4zMjVaIn0=';
    const older = await getJson(sandbox, listPath(endpoint, { [size]: 100, [token]: documented }));
    expect(older.status).toBe(200);
    expect(
      readListPage(endpoint, older.body).records.every((record) => record.created < '2024-03-01T01:36:08.325Z'),
    ).toBe(true);
  });

  it('answers 400 to a malformed token', async () => {
    const { token } = LISTS[endpoint];
    const malformed = [
      '',
      'not base64!',
      'abc',
      Buffer.from('hello').toString('base64'),
      base64Json([]),
      base64Json({}),
      base64Json({ created: 'yesterday' }),
      base64Json({ created: '2024-02-30T00:00:00.000Z' }),
      base64Json({ created: '2024-03-01T01:36:08.325Z', id: 5 }),
      base64Json({ created: '2024-03-01T01:36:08.325Z', page: 2 }),
      base64Json({ created: '2024-03-01T01:36:08.325Z' }).replace(/=+$/, ''),
    ];
    for (const bad of malformed) {
      const { status, body } = await getJson<ErrorBody>(
        sandbox,
        `${LISTS[endpoint].path}?${token}=${encodeURIComponent(bad)}`,
      );
      expect({ bad, status }).toEqual({ bad, status: 400 });
      expect(body.message).toContain(token);
    }
  });
});

describe('token encoding', () => {
  // base64 of ASCII JSON only holds '+' or '/' where the JSON has '>', '?' or '~' (or non-ASCII),
  // so the sandbox's own tokens end in '=' at most. A position token with such an id is still a
  // valid position, which is how this test reaches the standard-alphabet characters.
  const anchor = { created: '2025-01-01T00:00:00.000Z', id: 'cus-~~~???>>>' };
  const crafted = base64Json(anchor);

  it.each(ENDPOINTS)('%s accepts a token with + / = when URL-encoded, and rejects it raw', async (endpoint) => {
    expect(crafted).toMatch(/\+/);
    expect(crafted).toMatch(/\//);
    const { size, token } = LISTS[endpoint];
    const encoded = await getJson(sandbox, listPath(endpoint, { [size]: 3, [token]: crafted }));
    expect(encoded.status).toBe(200);
    const expected = recordsOf(sandbox, endpoint)
      .filter((record) => record.created < anchor.created)
      .slice(0, 3);
    expect(readListPage(endpoint, encoded.body).records).toEqual(expected);
    // Sent raw, '+' reads as a space: the facade must URL-encode tokens.
    const raw = await getJson(sandbox, `${LISTS[endpoint].path}?${token}=${crafted}`);
    expect(raw.status).toBe(400);
  });

  it("pads the sandbox's own tokens with '=' where the JSON length asks for it", async () => {
    const customers = await getJson<{ queryMore?: string }>(sandbox, '/partner/customer?limit=3');
    expect(customers.body.queryMore).toMatch(/^[A-Za-z0-9+/]+==$/);
  });
});

describe('shortInvoicePages', () => {
  let short: Sandbox;
  beforeAll(async () => {
    short = await startSandbox({ port: 0, shortInvoicePages: true });
  });
  afterAll(async () => {
    await short.close();
  });

  it('serves invoice pages shorter than pageSize that still carry nextPage, and loses nothing', async () => {
    const result = await walk(short, 'invoices', 40);
    expect(result.records).toEqual(recordsOf(short, 'invoices'));
    const beforeLast = result.pageLengths.slice(0, -1);
    expect(beforeLast.some((length) => length < 40)).toBe(true);
    expect(beforeLast.every((length) => length >= 1 && length <= 40)).toBe(true);
    expect(result.tokens).toHaveLength(result.pageLengths.length - 1);
    // Deterministic: the same walk gives the same pages.
    expect((await walk(short, 'invoices', 40)).pageLengths).toEqual(result.pageLengths);
  });

  it('leaves the other lists at full pages', async () => {
    expect((await walk(short, 'customers', 40)).pageLengths).toEqual([40, 40, 40, 40, 40, 40, 40, 20]);
  });
});

describe('trailingTokens', () => {
  let trailing: Sandbox;
  beforeAll(async () => {
    trailing = await startSandbox({ port: 0, trailingTokens: true });
  });
  afterAll(async () => {
    await trailing.close();
  });

  it.each(ENDPOINTS)(
    '%s: a full last page carries a token that leads to an empty page without one',
    async (endpoint) => {
      const result = await walk(trailing, endpoint, 100);
      expect(result.pageLengths).toEqual([100, 100, 100, 0]);
      expect(result.ids).toEqual(recordsOf(trailing, endpoint).map((record) => record.id));
      const { size, token } = LISTS[endpoint];
      const last = await getJson(
        trailing,
        listPath(endpoint, { [size]: 100, [token]: result.tokens[2] }),
        bearer(trailing, ORG_A),
      );
      const page = readListPage(endpoint, last.body);
      expect(page).toEqual({ records: [], next: undefined });
      if (endpoint === 'customers') expect(last.body).toEqual({ items: [], hits: 300 });
    },
  );

  it('gives no token after a last page that is not full', async () => {
    expect((await walk(trailing, 'invoices', 40)).pageLengths.at(-1)).toBe(20);
  });

  it('without the option, a full last page has no token', async () => {
    expect((await walk(sandbox, 'invoices', 100)).pageLengths).toEqual([100, 100, 100]);
  });
});
