import { createHash } from 'node:crypto';
import type { Redis } from '../lib/redis.ts';
import { open, seal } from '../lib/seal.ts';
import { EXPIRED_TICKET_MEMORY_MS, type PdfTicket, type TicketLookup, type TicketStore } from './tickets.ts';

export interface RedisTicketStoreOptions {
  /** The process's connection (src/lib/redis.ts), left open by close(). */
  client: Redis;
  /** Put before every key, e.g. 'pg:'; lets several apps or test runs share one Redis. */
  prefix: string;
  /** 32 bytes: the AES-256-GCM key sealing tickets (deriveKey(secret, 'pdf-download-ticket-seal v1')). */
  key: Buffer;
  now?: () => number;
}

/**
 * Tickets shared by every instance. Keys hold a SHA-256 of the ticket id, never the id itself, so
 * reading Redis yields no working link; values are sealed with AES-256-GCM (the key name is the
 * associated data, so a value cannot be moved to another key). The sealed entry expires with the
 * ticket (`SET … PX`); a token-free marker outlives it so a late click is told 410, not 404.
 */
export function createRedisTicketStore(options: RedisTicketStoreOptions): TicketStore {
  if (options.key.length !== 32) throw new RangeError('The ticket key must be 32 bytes');
  const now = options.now ?? Date.now;
  const { client } = options;
  const keys = (id: string) => {
    const digest = createHash('sha256').update(id).digest('base64url');
    return { live: `${options.prefix}pdf-ticket:${digest}`, expired: `${options.prefix}pdf-ticket-gone:${digest}` };
  };

  return {
    async put(id, ticket) {
      const { live, expired } = keys(id);
      const ttl = Math.ceil(ticket.expiresAt - now());
      const write = client.multi();
      if (ttl > 0) write.set(live, sealTicket(options.key, live, ticket), 'PX', ttl);
      write.set(expired, '1', 'PX', Math.max(ttl, 0) + EXPIRED_TICKET_MEMORY_MS);
      const results = await write.exec();
      const failed = results?.find(([error]) => error !== null);
      if (!results || failed) throw new Error('Redis refused to store a download ticket');
    },
    async get(id) {
      const { live, expired } = keys(id);
      const [sealed, gone] = await client.mget(live, expired);
      if (sealed) {
        const ticket = openTicket(options.key, live, sealed);
        if (!ticket) return { state: 'unknown' };
        return now() < ticket.expiresAt ? { state: 'valid', ticket } : { state: 'expired' };
      }
      return gone ? { state: 'expired' } : ({ state: 'unknown' } satisfies TicketLookup);
    },
    async close() {},
  };
}

function sealTicket(key: Buffer, keyName: string, ticket: PdfTicket): string {
  return seal(
    key,
    keyName,
    JSON.stringify({ t: ticket.token, i: ticket.invoiceId, n: ticket.invoiceNumber, e: ticket.expiresAt }),
  );
}

/** Null for anything not sealed by this key under this name: tampered, foreign or another version. */
function openTicket(key: Buffer, keyName: string, value: string): PdfTicket | null {
  const plain = open(key, keyName, value);
  if (plain === null) return null;
  try {
    return ticketFrom(JSON.parse(plain));
  } catch {
    return null;
  }
}

function ticketFrom(value: unknown): PdfTicket | null {
  if (typeof value !== 'object' || value === null) return null;
  const { t, i, n, e } = value as Record<string, unknown>;
  if (typeof t !== 'string' || typeof i !== 'string' || typeof n !== 'string' || typeof e !== 'number') return null;
  return { token: t, invoiceId: i, invoiceNumber: n, expiresAt: e };
}
