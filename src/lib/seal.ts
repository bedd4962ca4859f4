import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { secretKey } from './secrets.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals text with AES-256-GCM under a 32-byte key. `name` (the key the value is stored under) is
 * the associated data: a sealed value moved to another name does not open.
 * The result is `v1.<iv>.<ciphertext>.<tag>`, each part base64url. A Buffer key is made a KeyObject
 * first: cheaper than the cipher taking the Buffer (see `secretKey`).
 */
export function seal(key: Buffer | KeyObject, name: string, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', secretKey(key), iv).setAAD(Buffer.from(name));
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const parts = [iv, sealed, cipher.getAuthTag()].map((part) => part.toString('base64url'));
  return [VERSION, ...parts].join('.');
}

/** The text `seal` sealed under this key and name; null for anything else (tampered, foreign, another version). */
export function open(key: Buffer | KeyObject, name: string, value: string): string | null {
  const [version, iv, sealed, tag] = value.split('.');
  if (version !== VERSION || !iv || !sealed || !tag) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', secretKey(key), Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(name)).setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
