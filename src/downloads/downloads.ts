import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DownloadSettings } from '../config/index.ts';
import type { UpstreamHttp } from '../partner/http.ts';
import { createSemaphore } from '../lib/semaphore.ts';
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
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
  close(): Promise<void>;
}

export interface DownloadsOptions {
  settings: DownloadSettings;
  /** The server secret (CURSOR_SECRET, or the per-process random one): Redis entries are sealed with a key from it. */
  secret: string;
  http: UpstreamHttp;
  forwardHeaders: readonly string[];
  now?: () => number;
  /** One line per download; Redis connection trouble at warn. Never a token or a whole ticket. */
  logger?: { info(line: object, message: string): void; warn(line: object, message: string): void };
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
      ...(options.logger ? { log: options.logger } : {}),
    }),
    close: () => store.close(),
  };
}

function chooseStore(options: DownloadsOptions, now: () => number): TicketStore {
  const { settings } = options;
  const redisUrl = settings.redisUrl;
  if (!redisUrl) return createMemoryTicketStore({ maxEntries: settings.maxTickets, now });
  // The Redis client library is loaded only by a process configured to use it.
  const store = import('./redis-store.ts').then(({ createRedisTicketStore, deriveTicketKey }) =>
    createRedisTicketStore({
      url: redisUrl,
      prefix: settings.redisKeyPrefix,
      key: deriveTicketKey(options.secret),
      now,
      ...(options.logger
        ? { onError: (message: string) => options.logger?.warn({ component: 'download-tickets' }, message) }
        : {}),
    }),
  );
  store.catch(() => undefined); // a failure is reported by the first call that awaits the store
  return {
    put: async (id, ticket) => (await store).put(id, ticket),
    get: async (id) => (await store).get(id),
    close: async () => (await store).close(),
  };
}
