import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedRedis, type RedisStateChange, RedisUnavailableError } from '../../src/lib/redis.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/redis-server.ts';

const COMMAND_TIMEOUT_MS = 200;
const COOLDOWN_MS = 300;
/** Far below the command timeout: nothing was sent, nothing waited for. */
const FAIL_FAST_MS = 20;

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
      expect(await took(() => redis.run('a', (c) => c.ping()))).toBeLessThan(FAIL_FAST_MS);
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
      for (let i = 0; i < 20; i++) {
        expect(await took(() => redis.run('b', (c) => c.ping()))).toBeLessThan(FAIL_FAST_MS);
      }
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
