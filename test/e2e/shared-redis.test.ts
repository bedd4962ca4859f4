import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedRedis, type Redis, type RedisStateChange, RedisUnavailableError } from '../../src/lib/redis.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/redis-server.ts';

const COMMAND_TIMEOUT_MS = 200;
const COOLDOWN_MS = 300;
/** Well below the command timeout: a bound on a wait, loose enough for a busy machine. */
const FAIL_FAST_MS = COMMAND_TIMEOUT_MS / 2;

let server: PrivateRedis;
beforeAll(async () => {
  server = await startPrivateRedis();
});
afterAll(() => server?.close());

function shared(url: string) {
  const changes: RedisStateChange[] = [];
  const failures: string[] = [];
  const redis = createSharedRedis({
    url,
    prefix: 't:',
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    cooldownMs: COOLDOWN_MS,
    onStateChange: (change) => changes.push(change),
    onFailure: (feature) => failures.push(feature),
  });
  return { redis, changes, failures };
}

/** A command that counts how often it was sent. */
function counted() {
  const sent = { count: 0 };
  const command = (client: Redis) => {
    sent.count++;
    return client.ping();
  };
  return { sent, command };
}

async function took(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run().catch(() => undefined);
  return performance.now() - started;
}

describe('the shared Redis client (lib/redis.ts)', () => {
  it('an error reply is an answer: it fails that command and leaves Redis up', async () => {
    const { redis, failures } = shared(server.url);
    try {
      expect(await redis.run('a', (c) => c.set('t:k', 'v'))).toBe('OK');
      await expect(redis.run('a', (c) => c.call('NO-SUCH-COMMAND'))).rejects.toThrow(/unknown command/i);
      expect(redis.state()).toBe('up');
      expect(failures).toEqual(['a']);
    } finally {
      await redis.close();
    }
  });

  it('a Redis that is not there at start: the first command waits at most the command timeout, later ones not at all', async () => {
    const { redis, changes } = shared('redis://127.0.0.1:1');
    try {
      expect(await took(() => redis.run('a', (c) => c.ping()))).toBeLessThan(COMMAND_TIMEOUT_MS + 100);
      expect(redis.state()).toBe('down');
      const { sent, command } = counted();
      expect(await took(() => redis.run('a', command))).toBeLessThan(FAIL_FAST_MS);
      expect(sent.count).toBe(0);
      await expect(redis.run('a', (c) => c.ping())).rejects.toBeInstanceOf(RedisUnavailableError);
      expect(changes.map((c) => c.to)).toEqual(['down']);
    } finally {
      await redis.close();
    }
  });

  it('while down, fails fast without sending; a PING after the cooldown brings it back, each change told once', async () => {
    const { redis, changes, failures } = shared(server.url);
    try {
      await redis.run('a', (c) => c.ping());
      await server.stop();
      await redis.run('a', (c) => c.ping()).catch(() => undefined);
      const { sent, command } = counted();
      for (let i = 0; i < 20; i++) expect(await took(() => redis.run('b', command))).toBeLessThan(FAIL_FAST_MS);
      expect(sent.count).toBe(0);
      expect(failures.filter((f) => f === 'b')).toHaveLength(20);
      await server.start();
      const until = Date.now() + 5_000;
      while (redis.state() !== 'up' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await redis.run('a', (c) => c.ping())).toBe('PONG');
      expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['connecting>up', 'up>down', 'down>up']);
    } finally {
      await redis.close();
    }
  });
});
