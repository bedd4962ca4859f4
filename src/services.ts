import { randomBytes } from 'node:crypto';
import type { Config } from './config/index.ts';
import { createDownloads } from './downloads/downloads.ts';
import type { Services } from './graphql/context.ts';
import { createSharedRedis, type SharedRedis } from './lib/redis.ts';
import { deriveKey } from './lib/secrets.ts';
import type { Logger } from './logging/logger.ts';
import { upstreamLogEvents } from './logging/upstream-log.ts';
import { createCursorCodec } from './pagination/cursor.ts';
import { createCustomerDirectory, createDirectoryStore } from './pagination/directory/index.ts';
import { createKeptPages } from './pagination/kept-pages.ts';
import { createUpstreamHttp, type UpstreamHttp } from './partner/http.ts';
import { resilienceOptions } from './partner/resilience/options.ts';
import { combineEvents, createResilientHttp, type ResilienceEvents } from './partner/resilience/resilient-http.ts';

export interface ServiceDeps {
  logger: Logger;
  /** The transport to the partner API; built from config when absent. */
  http?: UpstreamHttp | undefined;
  /** Listeners for upstream calls, retries and breaker changes (metrics, readiness), besides the log. */
  upstreamEvents: ResilienceEvents;
  /** The clock download tickets expire by; Date.now when absent. */
  now?: (() => number) | undefined;
}

/** What every request shares, and what the process holds open: built once per app. */
export interface AppServices extends Services {
  secret: string;
  redis: SharedRedis | null;
}

export function createServices(config: Config, deps: ServiceDeps): AppServices {
  const { logger } = deps;
  const secret = config.serverSecret ?? randomSecret(logger);
  const redis = config.redis.url
    ? createSharedRedis({ url: config.redis.url, prefix: config.redis.keyPrefix, onError: (m) => logger.warn(m) })
    : null;
  const { upstream } = config;
  const transport =
    deps.http ??
    createUpstreamHttp({
      baseUrl: config.partnerApiUrl ?? '',
      timeoutMs: upstream.timeoutMs,
      maxSockets: upstream.maxSockets,
    });
  const events = combineEvents(upstreamLogEvents(logger), deps.upstreamEvents);
  const http = createResilientHttp(transport, resilienceOptions(upstream, events));
  return {
    config,
    secret,
    redis,
    http,
    cursors: createCursorCodec(deriveKey(secret, 'cursor-mac v1')),
    keptPages: createKeptPages({ ttlMs: config.paging.keptPageTtlMs, maxEntries: config.paging.keptPageMaxEntries }),
    customerDirectory: createCustomerDirectory({
      store: createDirectoryStore({
        redis,
        maxCustomers: config.customerDirectory.maxCustomers,
        claimMs: config.upstream.timeoutMs,
      }),
      key: deriveKey(secret, 'customer-directory-seal v1'),
      ttlMs: config.customerDirectory.ttlMs,
      allowance: config.customerDirectory.lookupCalls,
      onStoreError: (error) =>
        logger.warn(`Customer directory store: ${errorMessage(error)}; lookups walk without it.`),
    }),
    downloads: createDownloads({
      settings: config.downloads,
      secret,
      redis,
      http,
      forwardHeaders: config.forwardHeaders,
      ...(deps.now ? { now: deps.now } : {}),
    }),
  };
}

function randomSecret(logger: Logger): string {
  logger.warn(
    'SERVER_SECRET is not set: cursors and links are signed with a random key that is gone when this process ends.',
  );
  return randomBytes(32).toString('base64url');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
