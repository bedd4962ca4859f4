import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/redis-server.ts';
import { type GraphQLBody, type Stack, startStack } from '../support/stack.ts';
import { walkConnection } from '../support/walk.ts';

/**
 * Two instances on a Redis of this test's own, which it hangs, stops and starts again. The bound
 * on each answer is a bound on a stall (a wait on Redis would be ~1 s or more), not a performance figure.
 */
const STALL_BOUND_MS = 500;
const BACK_WITHIN_MS = 10_000;
const SECRET = 'redis-outage-secret-of-at-least-32-characters';
const WITH_LINKS = `{ invoices(first: 5) { nodes { id invoiceNumber pdfUrl } } customers(first: 3) { nodes { id } } }`;
const WITHOUT_LINKS = `{ invoices(first: 5) { nodes { id } } subscriptions(first: 3) { nodes { id } } }`;
const BAD_LIFETIME = `{ invoices(first: 2) { nodes { id pdfUrl(expiresIn: 0) } } }`;

let redis: PrivateRedis;
let sandbox: Sandbox;
const instances: { stack: Stack; log: string[] }[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  sandbox = await startSandbox({ port: 0, invoices: 60, customers: 30, subscriptions: 30 });
  for (let i = 0; i < 2; i++) {
    const log: string[] = [];
    const env = {
      REDIS_URL: redis.url,
      SERVER_SECRET: SECRET,
      RATE_LIMIT_PER_MINUTE: '60000',
      RATE_LIMIT_BURST: '1000',
      LOG_LEVEL: 'info',
    };
    const stack = await startStack({ upstream: sandbox, env, deps: { logDestination: { write: (l) => log.push(l) } } });
    instances.push({ stack, log });
    await stack.gql(WITH_LINKS); // warm: the bound below is for answers of a running instance
  }
});

afterAll(async () => {
  for (const { stack } of instances) await stack.close();
  await sandbox?.close();
  await redis?.close();
});

const one = () => instances[0]?.stack as Stack;
const two = () => instances[1]?.stack as Stack;
const invoiceIds = (n: number) => sandbox.organisations[0]?.invoices.slice(0, n).map((i) => i.id);

async function timed<T>(run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const value = await run();
  expect(performance.now() - started).toBeLessThan(STALL_BOUND_MS);
  return value;
}

type Invoices = { invoices: { nodes: { id: string; pdfUrl?: string | null }[] } };

async function mint(stack: Stack): Promise<{ status: number; body: GraphQLBody }> {
  return timed(() => stack.gql(WITH_LINKS));
}

const via = (stack: Stack, pdfUrl: string) => `${stack.origin}${new URL(pdfUrl).pathname}`;

async function metric(stack: Stack, series: string): Promise<number | null> {
  const text = await (await fetch(`${stack.origin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

async function readiness(stack: Stack): Promise<{ status: number; body: unknown }> {
  const res = await timed(() => fetch(`${stack.origin}/ready`));
  return { status: res.status, body: await res.json() };
}

/** Every operation answers in time with its data; links fail alone, at their own path, with a documented code. */
async function expectServedWithoutLinks(stack: Stack): Promise<void> {
  const plain = await timed(() => stack.gql(WITHOUT_LINKS));
  expect(plain.body.errors).toBeUndefined();
  expect((plain.body.data as Invoices).invoices.nodes.map((n) => n.id)).toEqual(invoiceIds(5));

  const linked = await mint(stack);
  expect(linked.status).toBe(200);
  const nodes = (linked.body.data as Invoices).invoices.nodes;
  expect(nodes.map((n) => n.id)).toEqual(invoiceIds(5));
  expect(nodes.every((n) => n.pdfUrl === null)).toBe(true);
  expect((linked.body.data?.['customers'] as { nodes: unknown[] }).nodes).toHaveLength(3);
  expect(linked.body.errors).toEqual(
    nodes.map((_, i) =>
      expect.objectContaining({
        path: ['invoices', 'nodes', i, 'pdfUrl'],
        extensions: { code: 'DOWNLOADS_UNAVAILABLE' },
      }),
    ),
  );
}

describe('Redis failing, and coming back', () => {
  let link: string;

  it('while Redis is up, a link minted on one instance downloads on the other, and nothing is degraded', async () => {
    const { body } = await one().gql(WITH_LINKS);
    link = (body.data as Invoices).invoices.nodes[0]?.pdfUrl ?? '';
    expect((await fetch(via(two(), link))).status).toBe(200);
    expect((await readiness(one())).body).toEqual({ status: 'ready' });
    expect(await metric(one(), 'partner_graph_redis_up')).toBe(1);
  });

  it('a hung Redis (SIGSTOP) stalls no request; once it answers again the earlier link works on both', async () => {
    redis.pause();
    try {
      for (const stack of [one(), two(), one(), two()]) await expectServedWithoutLinks(stack);
      const download = await timed(() => fetch(via(two(), link)));
      expect(download.status).toBe(503);
      expect(await download.json()).toMatchObject({ errors: [{ extensions: { code: 'TICKETS_UNAVAILABLE' } }] });
    } finally {
      redis.resume();
    }
    await eventually(async () => {
      for (const stack of [one(), two()]) expect((await fetch(via(stack, link))).status).toBe(200);
    });
  });

  it('a stopped Redis: data and documented errors within the bound, ready but degraded, failures counted by store', async () => {
    await redis.stop();
    for (const stack of [one(), two(), one(), two()]) await expectServedWithoutLinks(stack);
    const bad = await timed(() => one().gql(BAD_LIFETIME));
    expect((bad.body.data as Invoices).invoices.nodes.map((n) => n.id)).toEqual(invoiceIds(2));
    expect(bad.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.['code']])).toEqual([
      ['invoices.nodes.0.pdfUrl', 'BAD_USER_INPUT'],
      ['invoices.nodes.1.pdfUrl', 'BAD_USER_INPUT'],
    ]);
    const download = await timed(() => fetch(via(one(), link)));
    expect(download.status).toBe(503);

    // Pages are not kept meanwhile: the walk is whole, at the cost of more upstream calls.
    const pages = await walkConnection(one(), 'invoices', 20);
    expect(pages.flatMap((p) => p.ids)).toEqual(invoiceIds(60));

    for (const stack of [one(), two()]) {
      expect(await readiness(stack)).toEqual({ status: 200, body: { status: 'ready', degraded: ['redis'] } });
      expect(await metric(stack, 'partner_graph_redis_up')).toBe(0);
      for (const feature of ['rate_limit', 'kept_pages', 'download_tickets']) {
        const failures = await metric(stack, `partner_graph_redis_failures_total{feature="${feature}"}`);
        expect(failures, feature).toBeGreaterThan(0);
      }
    }
  });

  it('once Redis is back, links minted on one instance work on the other within seconds', async () => {
    await redis.start();
    await eventually(async () => {
      const { body } = await one().gql(WITH_LINKS);
      const fresh = (body.data as Invoices).invoices.nodes[0]?.pdfUrl;
      expect(fresh).toBeTypeOf('string');
      expect((await fetch(via(two(), fresh ?? ''))).status).toBe(200);
    });
    await eventually(async () => {
      for (const stack of [one(), two()]) expect((await readiness(stack)).body).toEqual({ status: 'ready' });
    });
    expect(await metric(two(), 'partner_graph_redis_up')).toBe(1);
  });

  it('said so in one log line per change, per instance, never per request, and never with a token', () => {
    for (const { stack, log } of instances) {
      const changes = log
        .map((line) => JSON.parse(line) as { msg?: string })
        .map((line) => line.msg ?? '')
        .filter((msg) => /^Redis (down|back|connected)/.test(msg))
        .map((msg) => msg.split(' (')[0]?.replace('.', ''));
      expect(changes).toEqual(['Redis connected', 'Redis down', 'Redis back', 'Redis down', 'Redis back']);
      expect(log.join('\n')).not.toContain(stack.orgA.token);
    }
  });
});

/** Retries `check` until it passes, for at most BACK_WITHIN_MS. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const until = Date.now() + BACK_WITHIN_MS;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
