import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

/** Two facade instances behind one imaginary load balancer, sharing one Redis and one sandbox. */
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PREFIX = `pg-test:${randomUUID()}:`;
const SECRET = 'test-cursor-secret-of-at-least-32-chars';

let clock = Date.now();
let sandbox: Sandbox;
let redis: Redis;
const instances: { app: App; server: Server; origin: string }[] = [];

async function startInstance(secret = SECRET): Promise<{ app: App; server: Server; origin: string }> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    CURSOR_SECRET: secret,
    PARTNER_API_URL: sandbox.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: PREFIX,
  });
  const app = createApp(config, { now: () => clock });
  const server = createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const instance = { app, server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  instances.push(instance);
  return instance;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await startInstance();
  await startInstance();
});

afterAll(async () => {
  for (const { app, server } of instances) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  }
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await sandbox.close();
});

const tokenA = () => Object.values(sandbox.tokens)[0] ?? '';
const orgA = () => Object.keys(sandbox.tokens)[0] ?? '';

async function mintOn(origin: string, expiresIn?: number): Promise<{ id: string; pdfUrl: string }> {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA()}` },
    body: JSON.stringify({
      query: 'query ($e: Int) { invoices(first: 1) { nodes { id pdfUrl(expiresIn: $e) } } }',
      variables: { e: expiresIn },
    }),
  });
  const body = (await res.json()) as { data: { invoices: { nodes: { id: string; pdfUrl: string }[] } } };
  const [invoice] = body.data.invoices.nodes;
  if (!invoice) throw new Error('no invoice');
  return invoice;
}

/** The same link, served by another instance: only the origin differs. */
const via = (origin: string, pdfUrl: string) => `${origin}${new URL(pdfUrl).pathname}`;

describe('the Redis ticket store', () => {
  it('lets either instance serve a link minted on the other', async () => {
    const [one, two] = instances;
    if (!one || !two) throw new Error('two instances expected');
    for (const [minter, server] of [
      [one, two],
      [two, one],
    ] as const) {
      const invoice = await mintOn(minter.origin);
      const res = await fetch(via(server.origin, invoice.pdfUrl));
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(sandbox.pdfFor(orgA(), invoice.id))).toBe(true);
    }
  });

  it('stores neither the ticket id nor the token in readable form, and the entry expires with the ticket', async () => {
    const [one] = instances;
    if (!one) throw new Error('instance expected');
    const { pdfUrl } = await mintOn(one.origin, 120);
    const ticket = /([A-Za-z0-9_-]{43})\.pdf$/.exec(pdfUrl)?.[1] ?? '';
    for (const key of await redis.keys(`${PREFIX}*`)) expect(key).not.toContain(ticket);
    const keys = await redis.keys(`${PREFIX}pdf-ticket*`); // other features may share the prefix
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const value = (await redis.get(key)) ?? '';
      for (const form of [
        tokenA(),
        Buffer.from(tokenA()).toString('base64'),
        Buffer.from(tokenA()).toString('base64url'),
        ...tokenA().split('.'),
      ]) {
        expect(value).not.toContain(form);
      }
    }
    const sealedKeys = keys.filter((key) => key.startsWith(`${PREFIX}pdf-ticket:`));
    const ttls = await Promise.all(sealedKeys.map((key) => redis.pttl(key)));
    expect(ttls.some((ttl) => ttl > 110_000 && ttl <= 120_000)).toBe(true);
  });

  it('a tampered entry is treated as unknown', async () => {
    const [one] = instances;
    if (!one) throw new Error('instance expected');
    const { pdfUrl } = await mintOn(one.origin, 3600);
    const keys = await redis.keys(`${PREFIX}pdf-ticket:*`);
    const pttls = await Promise.all(keys.map(async (key) => [key, await redis.pttl(key)] as const));
    const [newest] = pttls.sort((a, b) => b[1] - a[1]); // the one-hour ticket outlives the others
    if (!newest) throw new Error('no ticket stored');
    const value = (await redis.get(newest[0])) ?? '';
    const parts = value.split('.');
    const sealed = Buffer.from(parts[2] ?? '', 'base64url');
    sealed[0] = (sealed[0] ?? 0) ^ 1;
    await redis.set(newest[0], [parts[0], parts[1], sealed.toString('base64url'), parts[3]].join('.'), 'PX', 60_000);
    sandbox.calls.clear();
    expect((await fetch(pdfUrl)).status).toBe(404);
    expect(sandbox.calls.count()).toBe(0);
  });

  it('an instance with another secret cannot open the tickets', async () => {
    const [one] = instances;
    if (!one) throw new Error('instance expected');
    const stranger = await startInstance('another-secret-of-at-least-32-characters');
    const { pdfUrl } = await mintOn(one.origin);
    sandbox.calls.clear();
    expect((await fetch(via(stranger.origin, pdfUrl))).status).toBe(404);
    expect(sandbox.calls.count()).toBe(0);
  });

  it('expiry is seen by every instance (controlled clock): 410, no upstream call', async () => {
    const [one, two] = instances;
    if (!one || !two) throw new Error('two instances expected');
    const { pdfUrl } = await mintOn(one.origin, 60);
    expect((await fetch(via(two.origin, pdfUrl))).status).toBe(200);
    clock += 60_000;
    sandbox.calls.clear();
    expect((await fetch(via(one.origin, pdfUrl))).status).toBe(410);
    expect((await fetch(via(two.origin, pdfUrl))).status).toBe(410);
    expect(sandbox.calls.count()).toBe(0);
  });
});
