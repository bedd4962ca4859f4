import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DownloadSettings } from '../config/index.ts';
import { lazy } from '../lib/lazy.ts';
import type { SharedRedis } from '../lib/redis.ts';
import { deriveKey } from '../lib/secrets.ts';
import { createSemaphore } from '../lib/semaphore.ts';
import type { RequestRecord } from '../logging/request-record.ts';
import type { UpstreamHttp } from '../partner/http.ts';
import { mintInvoicePdfLink, type PdfLinkRequest } from './links.ts';
import { createMemoryTicketStore } from './memory-store.ts';
import { createDownloadRoute } from './route.ts';
import type { TicketStore } from './tickets.ts';

/** Invoice PDF links: minting (from the schema) and serving (the route), over one ticket store. */
export interface Downloads {
  settings: DownloadSettings;
  /** Stores a ticket for the caller's token and returns the link; no upstream call. */
  mintInvoicePdfLink(request: PdfLinkRequest): Promise<string>;
  /** The route for every path under /downloads. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, record: RequestRecord): void;
  close(): Promise<void>;
}

export interface DownloadsOptions {
  settings: DownloadSettings;
  /** The server secret: tickets in Redis are sealed with a key derived from it. */
  secret: string;
  /** The process's shared Redis: tickets every instance can open. Absent: this process's memory. */
  redis?: SharedRedis | null;
  http: UpstreamHttp;
  forwardHeaders: readonly string[];
  now?: () => number;
  /** Replaces the store the settings would choose (tests). */
  store?: TicketStore;
}

/** Downloads waiting for a transfer slot beyond this are refused with 503 rather than queued without end. */
const MAX_WAITING_DOWNLOADS = 256;

export function createDownloads(options: DownloadsOptions): Downloads {
  const { settings } = options;
  const now = options.now ?? Date.now;
  const store = options.store ?? chooseStore(options, now);
  return {
    settings,
    mintInvoicePdfLink: (request) => mintInvoicePdfLink(store, now, request),
    handle: createDownloadRoute({
      store,
      http: options.http,
      transfers: createSemaphore(settings.maxConcurrentPdfs, MAX_WAITING_DOWNLOADS),
      maxDownloadMs: settings.maxDownloadMs,
      forwardHeaders: options.forwardHeaders,
    }),
    close: () => store.close(),
  };
}

function chooseStore(options: DownloadsOptions, now: () => number): TicketStore {
  const { redis } = options;
  if (!redis) return createMemoryTicketStore({ maxEntries: options.settings.maxTickets, now });
  const store = lazy(async () => {
    const { createRedisTicketStore } = await import('./redis-store.ts');
    const key = deriveKey(options.secret, 'pdf-download-ticket-seal v1');
    return createRedisTicketStore({ client: await redis.client(), prefix: redis.prefix, key, now });
  });
  return {
    put: async (id, ticket) => (await store()).put(id, ticket),
    get: async (id) => (await store()).get(id),
    close: async () => {},
  };
}
