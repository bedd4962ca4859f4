import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultRule, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import {
  bearer,
  type CustomerPage,
  type ErrorBody,
  getJson,
  type InvoicePage,
  ORG_A,
  organisation,
} from './helpers.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, customers: 60, invoices: 60, subscriptions: 60 });
});
afterAll(async () => {
  await sandbox.close();
});
afterEach(() => {
  sandbox.faults.clear();
  sandbox.calls.clear();
});

const PATHS = {
  customers: '/partner/customer?limit=5',
  invoices: '/partner/invoices?pageSize=5',
  subscriptions: '/partner/objects/subscription?limit=5',
} as const;

function fileUrl(target: Sandbox): string {
  return `${target.url}/partner/invoices/file/${organisation(target).invoices[0]?.id ?? ''}`;
}

async function status(target: Sandbox, path: string): Promise<number> {
  const response = await fetch(`${target.url}${path}`, { headers: bearer(target, ORG_A) });
  await response.arrayBuffer();
  return response.status;
}

async function timed(path: string): Promise<number> {
  const started = performance.now();
  expect(await status(sandbox, path)).toBe(200);
  return performance.now() - started;
}

describe('latency', () => {
  it('delays only the scoped endpoint by the fixed amount', async () => {
    sandbox.faults.set([{ kind: 'latency', ms: 250, endpoint: 'invoices' }]);
    expect(await timed(PATHS.invoices)).toBeGreaterThanOrEqual(240);
    expect(await timed(PATHS.customers)).toBeLessThan(200);
    expect(sandbox.calls.list().map((call) => call.fault)).toEqual(['latency', null]);
  });

  it('adds seeded jitter within [ms, ms + jitterMs]', async () => {
    sandbox.faults.set([{ kind: 'latency', ms: 40, jitterMs: 200 }]);
    const durations = [];
    for (let i = 0; i < 6; i++) durations.push(await timed(PATHS.subscriptions));
    for (const duration of durations) {
      expect(duration).toBeGreaterThanOrEqual(35);
      expect(duration).toBeLessThan(240 + 150);
    }
    expect(Math.max(...durations) - Math.min(...durations)).toBeGreaterThan(20);
  });
});

describe('status faults', () => {
  it.each([500, 502, 503, 504, 403] as const)('answers %s with a JSON message', async (code) => {
    sandbox.faults.set([{ kind: 'status', status: code }]);
    const { status: got, body } = await getJson<ErrorBody>(sandbox, PATHS.customers);
    expect(got).toBe(code);
    expect(body.message).toEqual(expect.any(String));
    expect(sandbox.calls.list()[0]).toMatchObject({ status: code, fault: 'status', organisation: ORG_A });
  });

  it('spends a rule after `times` requests and shows what is left', async () => {
    sandbox.faults.set([{ kind: 'status', status: 503, times: 2 }]);
    expect(await status(sandbox, PATHS.customers)).toBe(503);
    expect(sandbox.faults.list()).toEqual([{ kind: 'status', status: 503, times: 1 }]);
    expect(await status(sandbox, PATHS.invoices)).toBe(503);
    expect(sandbox.faults.list()).toEqual([]);
    expect(await status(sandbox, PATHS.customers)).toBe(200);
  });

  it('applies a rate from the seeded stream: the same seed gives the same sequence', async () => {
    const rules: FaultRule[] = [{ kind: 'status', status: 500, rate: 0.5, endpoint: 'customers' }];
    const run = async (seed: number) => {
      const target = await startSandbox({ port: 0, seed, customers: 5, invoices: 5, subscriptions: 5, faults: rules });
      try {
        const statuses = [];
        for (let i = 0; i < 24; i++) statuses.push(await status(target, PATHS.customers));
        return statuses;
      } finally {
        await target.close();
      }
    };
    const [first, second, other] = [await run(3), await run(3), await run(4)];
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    const failures = first.filter((code) => code === 500).length;
    expect(failures).toBeGreaterThan(4);
    expect(failures).toBeLessThan(20);
    expect(new Set(first)).toEqual(new Set([200, 500]));
  });
});

describe('rateLimit', () => {
  it('answers 429 with Retry-After', async () => {
    sandbox.faults.set([{ kind: 'rateLimit', retryAfter: 7, endpoint: 'subscriptions' }]);
    const limited = await getJson<ErrorBody>(sandbox, PATHS.subscriptions);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.message).toEqual(expect.any(String));
    expect(await status(sandbox, PATHS.invoices)).toBe(200);
  });
});

describe('broken answers', () => {
  it('hang: never answers until the client gives up; the call stays unfinished', async () => {
    sandbox.faults.set([{ kind: 'hang', endpoint: 'invoices', times: 1 }]);
    const started = performance.now();
    await expect(
      fetch(`${sandbox.url}${PATHS.invoices}`, { headers: bearer(sandbox, ORG_A), signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow(/abort|timeout/i);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(sandbox.calls.list()[0]).toMatchObject({ fault: 'hang', endedAt: null, status: null });
    expect(await status(sandbox, PATHS.invoices)).toBe(200);
  });

  it('malformedJson: 200 with a body that is not JSON', async () => {
    sandbox.faults.set([{ kind: 'malformedJson', endpoint: 'customers' }]);
    const response = await fetch(`${sandbox.url}${PATHS.customers}`, { headers: bearer(sandbox, ORG_A) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });

  it('truncated: Content-Length promises more than arrives, then the connection ends', async () => {
    sandbox.faults.set([{ kind: 'truncated', endpoint: 'invoices' }]);
    const response = await fetch(`${sandbox.url}${PATHS.invoices}`, { headers: bearer(sandbox, ORG_A) });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(100);
    await expect(response.text()).rejects.toThrow();
    expect(sandbox.calls.list()[0]).toMatchObject({ fault: 'truncated', status: 200, endedAt: expect.any(Number) });
  });

  it('truncated also applies to the PDF', async () => {
    sandbox.faults.set([{ kind: 'truncated', endpoint: 'invoiceFile' }]);
    const response = await fetch(fileUrl(sandbox), { headers: bearer(sandbox, ORG_A) });
    expect(response.headers.get('content-type')).toBe('application/pdf');
    await expect(response.arrayBuffer()).rejects.toThrow();
  });

  it('drop: the connection closes without any answer', async () => {
    sandbox.faults.set([{ kind: 'drop', endpoint: 'subscriptions', times: 1 }]);
    await expect(fetch(`${sandbox.url}${PATHS.subscriptions}`, { headers: bearer(sandbox, ORG_A) })).rejects.toThrow(
      TypeError,
    );
    expect(sandbox.calls.count({ endpoint: 'subscriptions' })).toBe(1); // the client did not silently retry
    expect(sandbox.calls.list()[0]).toMatchObject({ fault: 'drop', status: null });
    expect(await status(sandbox, PATHS.subscriptions)).toBe(200);
  });

  it('wrongShape: valid JSON in which one record has a wrong-typed field', async () => {
    sandbox.faults.set([{ kind: 'wrongShape', endpoint: 'invoices' }]);
    const invoices = await getJson<InvoicePage>(sandbox, PATHS.invoices);
    expect(invoices.status).toBe(200);
    const amounts: unknown[] = invoices.body.invoices.map((invoice) => invoice.amount);
    expect(amounts.filter((amount) => amount === 'abc')).toHaveLength(1);
    expect(amounts.filter((amount) => typeof amount === 'number')).toHaveLength(4);

    sandbox.faults.set([{ kind: 'wrongShape', endpoint: 'customers' }]);
    const customers = await getJson<CustomerPage>(sandbox, PATHS.customers);
    const ids: unknown[] = customers.body.items.map((customer) => customer.id);
    expect(ids.filter((id) => id === 42)).toHaveLength(1);
  });

  it('wrongShape on the file endpoint serves base64 of something that is not a PDF', async () => {
    sandbox.faults.set([{ kind: 'wrongShape', endpoint: 'invoiceFile' }]);
    const response = await fetch(fileUrl(sandbox), { headers: bearer(sandbox, ORG_A) });
    expect(response.status).toBe(200);
    const decoded = Buffer.from(await response.text(), 'base64').toString('latin1');
    expect(decoded.startsWith('%PDF')).toBe(false);
  });
});

describe('rules', () => {
  it('are scoped per endpoint; "*" and no endpoint mean all of them', async () => {
    sandbox.faults.set([{ kind: 'status', status: 502, endpoint: 'invoiceFile' }]);
    const file = await fetch(fileUrl(sandbox), { headers: bearer(sandbox, ORG_A) });
    expect(file.status).toBe(502);
    await file.arrayBuffer();
    for (const path of Object.values(PATHS)) expect(await status(sandbox, path)).toBe(200);

    for (const rule of [
      { kind: 'status', status: 500, endpoint: '*' },
      { kind: 'status', status: 500 },
    ] as FaultRule[]) {
      sandbox.faults.set([rule]);
      for (const path of Object.values(PATHS)) expect(await status(sandbox, path)).toBe(500);
    }
  });

  it('apply before auth, like a gateway, but never to unknown routes', async () => {
    sandbox.faults.set([{ kind: 'status', status: 503 }]);
    expect((await getJson(sandbox, PATHS.customers, {})).status).toBe(503);
    expect((await getJson(sandbox, '/partner/nothing-here')).status).toBe(404);
  });

  it('reject invalid rules with a message, in process', () => {
    expect(() => sandbox.faults.add({ kind: 'latency' } as unknown as FaultRule)).toThrow(/ms/);
    expect(() => sandbox.faults.set([{ kind: 'status', status: 418 } as unknown as FaultRule])).toThrow(/status/);
    expect(() => sandbox.faults.add({ kind: 'explode' } as unknown as FaultRule)).toThrow(/kind/);
    expect(() => sandbox.faults.add({ kind: 'drop', rate: 2 })).toThrow(/rate/);
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('combine: latency adds up and the first other rule that fires decides', async () => {
    sandbox.faults.set([
      { kind: 'latency', ms: 60 },
      { kind: 'status', status: 504, times: 1 },
      { kind: 'rateLimit', retryAfter: 1 },
    ]);
    const started = performance.now();
    expect(await status(sandbox, PATHS.customers)).toBe(504);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(await status(sandbox, PATHS.customers)).toBe(429);
    expect(sandbox.calls.list().map((call) => call.fault)).toEqual(['latency+status', 'latency+rateLimit']);
  });
});

describe('admin route', () => {
  const admin = (path: string, init?: RequestInit) =>
    fetch(`${sandbox.url.replace(/\/api$/, '')}/__admin${path}`, init);

  it('changes faults at run time: PUT replaces, POST adds, GET lists, DELETE clears', async () => {
    const put = await admin('/faults', {
      method: 'PUT',
      body: JSON.stringify([{ kind: 'status', status: 503, endpoint: 'customers' }]),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual([{ kind: 'status', status: 503, endpoint: 'customers' }]);
    expect(await status(sandbox, PATHS.customers)).toBe(503);
    expect(await status(sandbox, PATHS.invoices)).toBe(200);

    const post = await admin('/faults', {
      method: 'POST',
      body: JSON.stringify({ kind: 'rateLimit', retryAfter: 2, endpoint: 'invoices', times: 1 }),
    });
    expect(post.status).toBe(201);
    expect(await status(sandbox, PATHS.invoices)).toBe(429);
    expect(await (await admin('/faults')).json()).toEqual(sandbox.faults.list());
    expect(sandbox.faults.list()).toEqual([{ kind: 'status', status: 503, endpoint: 'customers' }]);

    expect((await admin('/faults', { method: 'DELETE' })).status).toBe(204);
    expect(await status(sandbox, PATHS.customers)).toBe(200);
  });

  it('rejects bad fault bodies with 400 and keeps the rules it had', async () => {
    sandbox.faults.set([{ kind: 'hang', endpoint: 'invoiceFile' }]);
    for (const body of [
      'not json',
      '{"kind":"status"}',
      '[{"kind":"latency","ms":-1}]',
      '[{"kind":"drop","endpoint":"everything"}]',
    ]) {
      const response = await admin('/faults', { method: 'PUT', body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).message).toEqual(expect.any(String));
    }
    expect(sandbox.faults.list()).toEqual([{ kind: 'hang', endpoint: 'invoiceFile' }]);
    expect((await admin('/faults', { method: 'PATCH' })).status).toBe(405);
    expect((await admin('/nothing')).status).toBe(404);
  });
});

describe('close()', () => {
  it('resolves quickly with hung requests, pending latency and keep-alive sockets', async () => {
    const target = await startSandbox({ port: 0, customers: 5, invoices: 5, subscriptions: 5 });
    target.faults.set([
      { kind: 'hang', endpoint: 'invoices' },
      { kind: 'latency', ms: 60_000, endpoint: 'customers' },
    ]);
    expect(await status(target, PATHS.subscriptions)).toBe(200); // leaves a keep-alive socket
    const hung = fetch(`${target.url}${PATHS.invoices}`, { headers: bearer(target, ORG_A) }).catch(
      (error: unknown) => error,
    );
    const slow = fetch(`${target.url}${PATHS.customers}`, { headers: bearer(target, ORG_A) }).catch(
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await target.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await hung).toBeInstanceOf(TypeError);
    expect(await slow).toBeInstanceOf(TypeError);
  });
});
