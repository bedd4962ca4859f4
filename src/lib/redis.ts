import type { Redis, RedisOptions } from 'ioredis';
import { lazy } from './lazy.ts';

export type { Redis } from 'ioredis';

/** 'connecting' until the first connection is ready or fails; after that 'up' or 'down'. */
export type RedisState = 'connecting' | 'up' | 'down';

/** Thrown at once, with nothing sent, while the shared Redis is down. */
export class RedisUnavailableError extends Error {
  constructor(reason: string) {
    super(`Redis is unavailable (${reason}); retrying in the background.`);
    this.name = 'RedisUnavailableError';
  }
}

/** The one Redis connection of a process, shared by every store that keeps state in Redis. */
export interface SharedRedis {
  /**
   * Runs `command` on the connection (the client library is loaded on first use only). While Redis
   * is down it fails at once with RedisUnavailableError and sends nothing; `feature` names the
   * store in failure reports.
   */
  run<T>(feature: string, command: (redis: Redis) => Promise<T>): Promise<T>;
  /** Put before every key, e.g. 'pg:'; lets several apps or test runs share one Redis. */
  prefix: string;
  state(): RedisState;
  close(): Promise<void>;
}

export interface RedisStateChange {
  to: 'up' | 'down';
  from: RedisState;
  /** What failed or what answered: connection trouble only, never a key or a value. */
  reason: string;
}

export interface SharedRedisOptions {
  url: string;
  prefix: string;
  /** A command unanswered this long fails, and Redis counts as down. */
  commandTimeoutMs: number;
  /** How long a down Redis is left alone before a PING asks whether it is back (and again after each failed PING). */
  cooldownMs: number;
  /** Told once per change between up and down, never per command. */
  onStateChange?: (change: RedisStateChange) => void;
  /** Told of each command that failed or was refused because Redis is down. */
  onFailure?: (feature: string) => void;
}

/**
 * A breaker around one ioredis client. No command waits on a dead connection: nothing is queued
 * while disconnected, commands time out after `commandTimeoutMs`, and once a command fails for any
 * reason but a Redis error reply, every command fails fast until a PING, sent every `cooldownMs`,
 * is answered. The client keeps reconnecting in the background meanwhile.
 */
export function createSharedRedis(options: SharedRedisOptions): SharedRedis {
  let state: RedisState = 'connecting';
  let lastProblem = 'not connected yet';
  let probe: NodeJS.Timeout | undefined;
  let closed = false;

  const change = (to: 'up' | 'down', reason: string) => {
    if (state === to || closed) return;
    const from = state;
    state = to;
    if (to === 'down') scheduleProbe();
    options.onStateChange?.({ to, from, reason });
  };
  const scheduleProbe = () => {
    clearTimeout(probe);
    probe = setTimeout(() => void probeOnce(), options.cooldownMs).unref();
  };
  const probeOnce = async () => {
    try {
      await (await connection()).ping();
      change('up', 'it answered a PING');
    } catch (error) {
      lastProblem = problemOf(error);
      if (!closed) scheduleProbe();
    }
  };
  const connection = lazy(async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(options.url, clientOptions(options));
    // Reported as state changes: a failed reconnect every second is not news.
    redis.on('error', (error: unknown) => {
      lastProblem = problemOf(error);
    });
    redis.on('ready', () => {
      if (state === 'connecting') change('up', 'connected');
    });
    redis.on('close', () => change('down', lastProblem));
    return redis;
  });
  void connection().catch((error: unknown) => change('down', problemOf(error)));

  return {
    async run(feature, command) {
      try {
        if (state === 'down') throw new RedisUnavailableError(lastProblem);
        const redis = await connection();
        if (state === 'connecting') await connected(redis, options.commandTimeoutMs, () => lastProblem);
        return await command(redis);
      } catch (error) {
        options.onFailure?.(feature);
        if (!(error instanceof RedisUnavailableError) && !isErrorReply(error)) change('down', problemOf(error));
        throw error;
      }
    },
    prefix: options.prefix,
    state: () => state,
    async close() {
      closed = true;
      clearTimeout(probe);
      const redis = await connection().catch(() => null);
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

function clientOptions(options: SharedRedisOptions): RedisOptions {
  return {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 2_000),
    // Never gives up: the breaker, not the client, decides when commands are sent again.
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, options.cooldownMs),
  };
}

/** The first connection, awaited for at most `ms`: a command never waits longer than it would on a live one. */
function connected(redis: Redis, ms: number, problem: () => string): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const onClose = () => done(new RedisUnavailableError(problem()));
    const timer = setTimeout(() => done(new Error(`no connection within ${ms} ms`)), ms);
    redis.on('ready', onReady).on('close', onClose);
  });
}

/** Redis answered, with an error: the connection is fine. */
function isErrorReply(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

function problemOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
