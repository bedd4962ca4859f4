import { createHash, createHmac, hkdfSync, type KeyObject } from 'node:crypto';
import type { SharedRedis } from '../lib/redis.ts';
import { open, seal } from '../lib/seal.ts';
import { secretKey } from '../lib/secrets.ts';
import type { UpstreamPage } from '../partner/page.ts';
import type { KeptPageOwner, KeptPages } from './kept-pages.ts';

export interface RedisKeptPagesOptions {
  /** The process's connection (src/lib/redis.ts). */
  redis: SharedRedis;
  /** deriveKey(secret, 'kept-page-seal v1'): with a caller's token it derives that caller's own key. */
  sealKey: Buffer;
  ttlMs: number;
  /** A page whose sealed form is larger than this is not kept (the next request fetches it). */
  maxBytes: number;
}

/**
 * Kept pages every instance shares, so a walk costs the same upstream calls whichever instance
 * serves each page. An entry is `kept-page:<caller key>:<HMAC of the resume position>` (the
 * position holds an upstream token, so it is never in clear), sealed with AES-256-GCM under a key
 * derived from the server secret and the caller's token: Redis and the secret alone open nothing.
 * GETDEL takes an entry atomically, so it serves one request across all instances; it expires
 * after `ttlMs` (`SET … PX`). While Redis fails, nothing is kept and nothing is found.
 */
export function createRedisKeptPages(options: RedisKeptPagesOptions): KeptPages {
  const { redis } = options;
  const processKey = secretKey(options.sealKey); // KeyObjects: see secretKey
  const entry = (owner: KeptPageOwner & { token: string }, key: string) => {
    const sealKey = callerSealKey(processKey, owner.token);
    const position = createHmac('sha256', sealKey).update(key).digest('base64url');
    return { sealKey, name: `${redis.prefix}kept-page:${owner.callerKey}:${position}` };
  };

  return {
    async keep(owner, key, page) {
      if (!hasToken(owner) || options.ttlMs === 0) return;
      const { sealKey, name } = entry(owner, key);
      const sealed = seal(sealKey, name, JSON.stringify(page));
      if (Buffer.byteLength(sealed) > options.maxBytes) return;
      await redis.run('kept_pages', (client) => client.set(name, sealed, 'PX', options.ttlMs)).catch(() => undefined);
    },
    async take(owner, key) {
      if (!hasToken(owner)) return undefined;
      const { sealKey, name } = entry(owner, key);
      const sealed = await redis.run('kept_pages', (client) => client.getdel(name)).catch(() => null);
      return sealed ? pageFrom(open(sealKey, name, sealed)) : undefined;
    },
  };
}

function hasToken(owner: KeptPageOwner): owner is KeptPageOwner & { token: string } {
  return owner.token !== null && owner.token !== '';
}

/** HKDF info is capped at 1024 bytes and a token may be longer, so the token's digest stands for it. */
function callerSealKey(sealKey: KeyObject, token: string): KeyObject {
  const info = createHash('sha256').update(token).digest();
  return secretKey(Buffer.from(hkdfSync('sha256', sealKey, Buffer.alloc(0), info, 32)));
}

/** Values are sealed, so they are this code's own writing; the checks guard against a format change. */
function pageFrom(text: string | null): UpstreamPage<unknown> | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<UpstreamPage<unknown>>;
    const { records, next, total } = value;
    if (!Array.isArray(records) || (next !== null && typeof next !== 'string')) return undefined;
    if (total !== null && typeof total !== 'number') return undefined;
    return { records, next, total };
  } catch {
    return undefined;
  }
}
