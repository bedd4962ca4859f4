import { createHash } from 'node:crypto';
import type { Redis } from '../lib/redis.ts';
import type { BucketShape, RateDecision, RateLimitStore } from './token-bucket.ts';

export interface RedisRateLimitStoreOptions {
  /** The process's connection (src/lib/redis.ts), left open by close(). */
  client: Redis;
  /** Put before every key, e.g. 'pg:'; lets several apps or test runs share one Redis. */
  prefix: string;
  shape: BucketShape;
}

// The same refill-then-take as takeFromBucket, atomic in Redis. The clock is Redis's own (TIME),
// so instances whose clocks disagree still share one bucket fairly. The key expires once the
// bucket would be full again, so idle callers cost no memory.
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = math.ceil((cost - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return { allowed, wait, math.floor(tokens) }
`;
const TAKE_SHA = createHash('sha1').update(TAKE_SCRIPT).digest('hex');

/** Buckets shared by every instance on one Redis; keys hold caller keys (HMACs), never tokens. */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore {
  const { client } = options;
  const args = [String(options.shape.ratePerMs), String(options.shape.capacity)];

  async function run(key: string, cost: number): Promise<unknown> {
    try {
      return await client.evalsha(TAKE_SHA, 1, key, ...args, String(cost));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(TAKE_SCRIPT, 1, key, ...args, String(cost));
    }
  }

  return {
    async take(key, cost) {
      return decisionFrom(await run(`${options.prefix}rate:${key}`, cost));
    },
    async close() {},
  };
}

function decisionFrom(reply: unknown): RateDecision {
  if (!Array.isArray(reply) || reply.length !== 3 || !reply.every((n) => typeof n === 'number')) {
    throw new Error('Redis answered the rate-limit script with an unexpected shape');
  }
  const [allowed, wait, remaining] = reply as [number, number, number];
  return { allowed: allowed === 1, remaining, retryAfterMs: wait };
}
