import { createHash, type KeyObject } from 'node:crypto';
import type { SharedRedis } from '../lib/redis.ts';
import { open, seal } from '../lib/seal.ts';
import { secretKey } from '../lib/secrets.ts';
import { EXPIRED_TICKET_MEMORY_MS, type PdfTicket, type TicketLookup, type TicketStore } from './tickets.ts';

export interface RedisTicketStoreOptions {
  /** The process's connection (src/lib/redis.ts), left open by close(). */
  redis: SharedRedis;
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
  const { redis } = options;
  const key = secretKey(options.key); // made once (see secretKey)
  const keys = (id: string) => {
    const digest = createHash('sha256').update(id).digest('base64url');
    return { live: `${redis.prefix}pdf-ticket:${digest}`, expired: `${redis.prefix}pdf-ticket-gone:${digest}` };
  };

  return {
    async put(id, ticket) {
      const { live, expired } = keys(id);
      const ttl = Math.ceil(ticket.expiresAt - now());
      const sealed = ttl > 0 ? sealTicket(key, live, ticket) : null;
      const results = await redis.run('download_tickets', (client) => {
        const write = client.multi();
        if (sealed) write.set(live, sealed, 'PX', ttl);
        write.set(expired, '1', 'PX', Math.max(ttl, 0) + EXPIRED_TICKET_MEMORY_MS);
        return write.exec();
      });
      const failed = results?.find(([error]) => error !== null);
      if (failed) throw failed[0];
      if (!results) throw new Error('Redis dropped the transaction storing a download ticket');
    },
    async get(id) {
      const { live, expired } = keys(id);
      const [sealed, gone] = await redis.run('download_tickets', (client) => client.mget(live, expired));
      if (sealed) {
        const ticket = openTicket(key, live, sealed);
        if (!ticket) return { state: 'unknown' };
        return now() < ticket.expiresAt ? { state: 'valid', ticket } : { state: 'expired' };
      }
      return gone ? { state: 'expired' } : ({ state: 'unknown' } satisfies TicketLookup);
    },
    async close() {},
  };
}

function sealTicket(key: KeyObject, keyName: string, ticket: PdfTicket): string {
  return seal(
    key,
    keyName,
    JSON.stringify({ t: ticket.token, i: ticket.invoiceId, n: ticket.invoiceNumber, e: ticket.expiresAt }),
  );
}

/** Null for anything not sealed by this key under this name: tampered, foreign or another version. */
function openTicket(key: KeyObject, keyName: string, value: string): PdfTicket | null {
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
