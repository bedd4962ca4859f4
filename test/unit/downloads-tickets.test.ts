import { describe, expect, it } from 'vitest';
import { publicBaseUrl } from '../../src/downloads/base-url.ts';
import { createMemoryTicketStore } from '../../src/downloads/memory-store.ts';
import {
  EXPIRED_TICKET_MEMORY_MS,
  newTicketId,
  type PdfTicket,
  TICKET_ID,
  ticketLabel,
} from '../../src/downloads/tickets.ts';
import { createSemaphore, SemaphoreFullError } from '../../src/lib/semaphore.ts';

const ticket = (expiresAt: number, n = 1): PdfTicket => ({
  token: `token-${n}`,
  invoiceId: `inv-${n}`,
  invoiceNumber: `INV${n}`,
  expiresAt,
});

describe('ticket ids', () => {
  it('are 32 random bytes in base64url, and a label shows six characters of them', () => {
    const ids = new Set(Array.from({ length: 1000 }, newTicketId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(TICKET_ID);
      expect(Buffer.from(id, 'base64url').length).toBe(32);
    }
    expect(ticketLabel('abcdefghijk')).toBe('abcdef…');
  });
});

describe('createMemoryTicketStore', () => {
  it('serves a ticket until it expires, then says expired, then forgets it', async () => {
    let now = 1_000_000;
    const store = createMemoryTicketStore({ maxEntries: 10, now: () => now });
    await store.put('t', ticket(now + 300_000));
    expect(await store.get('t')).toEqual({ state: 'valid', ticket: ticket(1_300_000) });
    expect(await store.get('other')).toEqual({ state: 'unknown' });
    now += 300_000;
    expect(await store.get('t')).toEqual({ state: 'expired' });
    now += EXPIRED_TICKET_MEMORY_MS;
    expect(await store.get('t')).toEqual({ state: 'unknown' });
    expect(store.size()).toBe(0);
  });

  it('evicts expired tickets on its own, keeping no token past expiry', async () => {
    let now = 0;
    const store = createMemoryTicketStore({ maxEntries: 100, now: () => now });
    for (let i = 0; i < 50; i++) await store.put(`t${i}`, ticket(now + 1_000, i));
    expect(store.size()).toBe(50);
    now += 1_000 + EXPIRED_TICKET_MEMORY_MS;
    await store.put('fresh', ticket(now + 1_000));
    expect(store.size()).toBe(1);
  });

  it('holds at most maxEntries, dropping the oldest first', async () => {
    const now = 0;
    const store = createMemoryTicketStore({ maxEntries: 3, now: () => now });
    for (let i = 0; i < 5; i++) await store.put(`t${i}`, ticket(60_000, i));
    expect(store.size()).toBe(3);
    expect((await store.get('t0')).state).toBe('unknown');
    expect((await store.get('t1')).state).toBe('unknown');
    expect((await store.get('t4')).state).toBe('valid');
  });

  it('returns copies: a caller cannot change a stored ticket', async () => {
    const store = createMemoryTicketStore({ maxEntries: 3, now: () => 0 });
    const original = ticket(60_000);
    await store.put('t', original);
    original.invoiceId = 'changed';
    const found = await store.get('t');
    if (found.state !== 'valid') throw new Error('expected a valid ticket');
    found.ticket.invoiceId = 'changed again';
    expect(await store.get('t')).toEqual({ state: 'valid', ticket: ticket(60_000) });
  });
});

describe('createSemaphore', () => {
  it('grants at most N at once, in order, and refuses beyond the queue', async () => {
    const semaphore = createSemaphore(2, 1);
    const first = await semaphore.acquire();
    await semaphore.acquire();
    let thirdGranted = false;
    const third = semaphore.acquire().then((release) => {
      thirdGranted = true;
      return release;
    });
    await expect(semaphore.acquire()).rejects.toBeInstanceOf(SemaphoreFullError);
    expect(semaphore.stats()).toEqual({ active: 2, waiting: 1 });
    first();
    first(); // a second release of the same permit is a no-op
    (await third)();
    expect(thirdGranted).toBe(true);
    expect(semaphore.stats()).toEqual({ active: 1, waiting: 0 });
  });

  it('drops a waiter whose signal aborts', async () => {
    const semaphore = createSemaphore(1, 5);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(semaphore.stats()).toEqual({ active: 1, waiting: 0 });
    held();
    expect(semaphore.stats()).toEqual({ active: 0, waiting: 0 });
  });
});

describe('publicBaseUrl', () => {
  const headers = (values: Record<string, string>) => (name: string) => values[name];
  const untrusted = { publicBaseUrl: null, trustProxy: false };
  const trusted = { publicBaseUrl: null, trustProxy: true };
  const forwarded = {
    host: 'internal:4000',
    'x-forwarded-host': 'graph.example.com, proxy.internal',
    'x-forwarded-proto': 'https',
    'x-forwarded-prefix': '/partner/',
  };

  it('prefers the configured URL', () => {
    expect(
      publicBaseUrl({ publicBaseUrl: 'https://graph.example.com/api', trustProxy: false }, 'http', headers(forwarded)),
    ).toBe('https://graph.example.com/api');
  });

  it('ignores X-Forwarded-* unless the proxy is trusted', () => {
    expect(publicBaseUrl(untrusted, 'http', headers(forwarded))).toBe('http://internal:4000');
    expect(publicBaseUrl(trusted, 'http', headers(forwarded))).toBe('https://graph.example.com/partner');
  });

  it('refuses a Host that is not a host name', () => {
    for (const host of ['evil.com/path', 'a b', 'x@y', '', 'host:port', 'exa_mple.com']) {
      expect(publicBaseUrl(untrusted, 'http', headers({ host }))).toBeNull();
    }
    expect(publicBaseUrl(untrusted, 'http', headers({ host: '[::1]:8080' }))).toBe('http://[::1]:8080');
  });

  it('ignores a forwarded protocol or prefix it cannot trust the shape of', () => {
    const odd = { host: 'graph.example.com', 'x-forwarded-proto': 'javascript', 'x-forwarded-prefix': '/a/../b' };
    expect(publicBaseUrl(trusted, 'http', headers(odd))).toBe('http://graph.example.com');
  });
});
