import { createSecretKey, hkdfSync, KeyObject } from 'node:crypto';

/**
 * What a key derived from the server secret is for. One purpose, one key: a key that signs cursors
 * can never open a download ticket. Changing a purpose string rotates that key alone.
 */
export type KeyPurpose =
  | 'cursor-mac v1'
  | 'caller-key v1'
  | 'pdf-download-ticket-seal v1'
  | 'kept-page-seal v1'
  | 'customer-directory-seal v1';

/** A key of `bytes` bytes for one purpose, the same on every instance that shares the secret (HKDF-SHA256). */
export function deriveKey(secret: string | Buffer, purpose: KeyPurpose, bytes = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'partner-graph', purpose, bytes));
}

/**
 * A key re-derived from `key` only with `token` (HKDF-SHA256, the token as salt): what it seals
 * for one caller opens with that caller's token and the server secret together, never with either alone.
 */
export function keyForToken(key: Buffer | KeyObject, token: string, info: string, bytes = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey(key), token, info, bytes));
}

/**
 * The key as a KeyObject, for HMACs, ciphers and HKDF. On Node 24 `createHmac`, `createCipheriv`
 * and `hkdfSync` cost ~10 µs more per call with a Buffer or string key than with a KeyObject (a
 * Buffer key takes a slow path through the KeyObject checks), and making the KeyObject costs ~1 µs:
 * a key used on every request is made a KeyObject once, when its owner is created.
 * A string is taken as UTF-8, as `createHmac` takes it.
 */
export function secretKey(key: string | Buffer | KeyObject): KeyObject {
  return key instanceof KeyObject ? key : createSecretKey(typeof key === 'string' ? Buffer.from(key, 'utf8') : key);
}
