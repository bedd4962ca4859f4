import { EXPIRED_TICKET_MEMORY_MS, type PdfTicket, type TicketLookup, type TicketStore } from './tickets.ts';

export interface MemoryTicketStoreOptions {
  /** Live and recently expired tickets together; the oldest are dropped beyond this. */
  maxEntries: number;
  now?: () => number;
}

export interface MemoryTicketStore extends TicketStore {
  /** Entries held, expired ones included until they are swept: for tests and metrics. */
  size(): number;
}

const SWEEP_INTERVAL_MS = 1000;

type Entry = { ticket: PdfTicket | null; expiresAt: number };

/**
 * One process's tickets: links work only on the instance that minted them. Expired tickets lose
 * their token on the first sweep after expiry and are forgotten EXPIRED_TICKET_MEMORY_MS later.
 */
export function createMemoryTicketStore(options: MemoryTicketStoreOptions): MemoryTicketStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let nextSweepAt = 0;
  let lastSweepAt = Number.NEGATIVE_INFINITY;

  // Lookups check expiry themselves; the sweep only frees memory, so once a second is enough.
  function sweep(at: number): void {
    if (at < nextSweepAt || at < lastSweepAt + SWEEP_INTERVAL_MS) return;
    lastSweepAt = at;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [id, entry] of entries) {
      if (at >= entry.expiresAt + EXPIRED_TICKET_MEMORY_MS) entries.delete(id);
      else if (at >= entry.expiresAt) {
        entry.ticket = null;
        earliest = Math.min(earliest, entry.expiresAt + EXPIRED_TICKET_MEMORY_MS);
      } else earliest = Math.min(earliest, entry.expiresAt);
    }
    nextSweepAt = earliest;
  }

  return {
    async put(id, ticket) {
      const at = now();
      sweep(at);
      entries.delete(id);
      entries.set(id, { ticket: { ...ticket }, expiresAt: ticket.expiresAt });
      nextSweepAt = Math.min(nextSweepAt, ticket.expiresAt);
      // Map order is insertion order: the first keys are the oldest tickets.
      for (const oldest of entries.keys()) {
        if (entries.size <= options.maxEntries) break;
        entries.delete(oldest);
      }
    },
    async get(id) {
      const at = now();
      sweep(at);
      const entry = entries.get(id);
      if (!entry) return { state: 'unknown' };
      if (at >= entry.expiresAt || !entry.ticket) return { state: 'expired' };
      return { state: 'valid', ticket: { ...entry.ticket } } satisfies TicketLookup;
    },
    async close() {
      entries.clear();
    },
    size: () => entries.size,
  };
}
