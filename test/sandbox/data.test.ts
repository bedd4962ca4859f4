import { describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  bearer,
  type CustomerPage,
  getJson,
  type InvoicePage,
  ORG_A,
  ORG_B,
  type SubscriptionPage,
} from './helpers.ts';

async function snapshot(sandbox: Sandbox): Promise<unknown> {
  const pages = [];
  for (const org of [ORG_A, ORG_B]) {
    const headers = bearer(sandbox, org);
    const customers = await getJson<CustomerPage>(sandbox, '/partner/customer?limit=100', headers);
    const invoices = await getJson<InvoicePage>(sandbox, '/partner/invoices?pageSize=100', headers);
    const subscriptions = await getJson<SubscriptionPage>(sandbox, '/partner/objects/subscription?limit=100', headers);
    const pdf = await fetch(`${sandbox.url}/partner/invoices/file/${invoices.body.invoices[7]?.id ?? ''}`, { headers });
    pages.push(customers.body, invoices.body, subscriptions.body, await pdf.text());
  }
  return { tokens: sandbox.tokens, pages };
}

describe('determinism', () => {
  it('gives identical data, tokens and PDFs for the same seed, and different ones for another seed', async () => {
    const [a, b, c] = await Promise.all([
      startSandbox({ port: 0, seed: 7 }),
      startSandbox({ port: 0, seed: 7 }),
      startSandbox({ port: 0, seed: 8 }),
    ]);
    try {
      const [snapA, snapB, _snapC] = await Promise.all([snapshot(a), snapshot(b), snapshot(c)]);
      expect(snapB).toEqual(snapA);
      expect(a.url).not.toBe(b.url);
      expect(c.tokens[ORG_A]).not.toBe(a.tokens[ORG_A]);
      const firstIds = (s: Sandbox) =>
        s.organisations.map((org) => [org.customers[0]?.id, org.invoices[0]?.id, org.subscriptions[0]?.id]);
      const idsA = firstIds(a);
      const idsC = firstIds(c);
      for (const [i, ids] of idsA.slice(0, 2).entries()) {
        for (const [k, id] of ids.entries()) expect(id).not.toBe(idsC[i]?.[k]);
      }
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('uses the README demo tokens for the default seed', async () => {
    const sandbox = await startSandbox({ port: 0, customers: 1, invoices: 1, subscriptions: 1 });
    try {
      const { readFileSync } = await import('node:fs');
      const readme = readFileSync(new URL('../../src/sandbox/README.md', import.meta.url), 'utf8');
      for (const token of Object.values(sandbox.tokens)) expect(readme).toContain(token);
    } finally {
      await sandbox.close();
    }
  });
});

describe('scale', () => {
  it('starts with 100,000 records per kind in about a second and serves them', async () => {
    const started = performance.now();
    const sandbox = await startSandbox({ port: 0, customers: 100_000, invoices: 100_000, subscriptions: 100_000 });
    const startup = performance.now() - started;
    try {
      // A start-up bound with generous slack for a loaded CI machine, not a benchmark.
      expect(startup).toBeLessThan(3_000);
      const customers = await getJson<CustomerPage>(sandbox, '/partner/customer?limit=100');
      expect(customers.body.hits).toBe(100_000);
      expect(customers.body.items).toHaveLength(100);
      const other = await getJson<CustomerPage>(sandbox, '/partner/customer?limit=1', bearer(sandbox, ORG_B));
      expect(other.body.hits).toBe(60_000);
      // Deep positions are found by the keyset, not by scanning pages.
      const deep = Buffer.from(JSON.stringify({ created: '2023-01-01T00:00:00.000Z' })).toString('base64');
      const invoices = await getJson<InvoicePage>(
        sandbox,
        `/partner/invoices?pageSize=100&cursor=${encodeURIComponent(deep)}`,
      );
      expect(invoices.body.invoices).toHaveLength(100);
      expect(invoices.body.invoices[0]?.createdDate.startsWith('2022-12')).toBe(true);
      const subscriptions = await getJson<SubscriptionPage>(sandbox, '/partner/objects/subscription?limit=100');
      expect(subscriptions.body.items).toHaveLength(100);
    } finally {
      await sandbox.close();
    }
  });

  it('rejects counts and options out of range with a message saying what to fix', async () => {
    await expect(startSandbox({ customers: -1 })).rejects.toThrow(/customers must be an integer/);
    await expect(startSandbox({ invoices: 1.5 })).rejects.toThrow(/invoices must be an integer/);
    await expect(startSandbox({ customers: 0, invoices: 3 })).rejects.toThrow(/at least one customer/);
    await expect(startSandbox({ port: 70_000 })).rejects.toThrow(/port/);
  });
});
