import { randomBytes } from 'node:crypto';
import type { Config } from './config/index.ts';
import { createDownloads } from './downloads/downloads.ts';
import type { Services } from './graphql/context.ts';
import { createSharedRedis, type RedisStateChange, RedisUnavailableError, type SharedRedis } from './lib/redis.ts';
import { deriveKey } from './lib/secrets.ts';
import type { Logger } from './logging/logger.ts';
import { upstreamLogEvents } from './logging/upstream-log.ts';
import { createCursorCodec } from './pagination/cursor.ts';
import { createCustomerDirectory, createDirectoryStore } from './pagination/directory/index.ts';
import { createKeptPages, type KeptPages } from './pagination/kept-pages.ts';
import { createRedisKeptPages } from './pagination/redis-kept-pages.ts';
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
  /** Listeners for the shared Redis (metrics), besides the log. */
  redisEvents?: RedisEvents | undefined;
}

export interface RedisEvents {
  onStateChange?(change: RedisStateChange): void;
  onFailure?(feature: string): void;
}

/** What every request shares, and what the process holds open: built once per app. */
export interface AppServices extends Services {
  secret: string;
  redis: SharedRedis | null;
}

export function createServices(config: Config, deps: ServiceDeps): AppServices {
  const { logger } = deps;
  const secret = config.serverSecret ?? randomSecret(logger);
  const redis = sharedRedis(config, logger, deps.redisEvents);
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
    keptPages: keptPages(config, secret, redis),
    customerDirectory: customerDirectory(config, secret, redis, logger),
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

function sharedRedis(config: Config, logger: Logger, events: RedisEvents = {}): SharedRedis | null {
  if (!config.redis.url) return null;
  return createSharedRedis({
    url: config.redis.url,
    prefix: config.redis.keyPrefix,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    cooldownMs: config.redis.cooldownMs,
    onStateChange(change) {
      logRedisChange(logger, change);
      events.onStateChange?.(change);
    },
    onFailure: (feature) => events.onFailure?.(feature),
  });
}

function logRedisChange(logger: Logger, { to, from, reason }: RedisStateChange): void {
  if (to === 'down') {
    logger.warn(
      `Redis down (${reason}): rate limits count per instance, pages are not kept, download links are unavailable; commands fail fast until it answers again.`,
    );
  } else logger.info(from === 'down' ? `Redis back (${reason}): shared state resumes.` : 'Redis connected.');
}

/** Shared through Redis when there is one, so a walk across instances costs what it costs on one. */
function keptPages(config: Config, secret: string, redis: SharedRedis | null): KeptPages {
  const { keptPageTtlMs: ttlMs, keptPageMaxEntries: maxEntries, keptPageMaxBytes: maxBytes } = config.paging;
  if (!redis) return createKeptPages({ ttlMs, maxEntries });
  return createRedisKeptPages({ redis, sealKey: deriveKey(secret, 'kept-page-seal v1'), ttlMs, maxBytes });
}

function customerDirectory(config: Config, secret: string, redis: SharedRedis | null, logger: Logger) {
  const settings = config.customerDirectory;
  return createCustomerDirectory({
    store: createDirectoryStore({ redis, maxCustomers: settings.maxCustomers, claimMs: config.upstream.timeoutMs }),
    key: deriveKey(secret, 'customer-directory-seal v1'),
    ttlMs: settings.ttlMs,
    allowance: settings.lookupCalls,
    onStoreError(error) {
      // A down Redis is logged once, as it goes down, not once per lookup.
      if (error instanceof RedisUnavailableError) return;
      logger.warn(`Customer directory store: ${errorMessage(error)}; lookups walk without it.`);
    },
  });
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
