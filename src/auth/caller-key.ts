import { createHmac } from 'node:crypto';
import { deriveKey, secretKey } from '../lib/secrets.ts';

/** Turns a bearer token into the key that rate limits and kept pages are filed under: never the token itself. */
export type CallerKeys = (token: string) => string;

/**
 * An HMAC of the token under a key derived from the server secret: the same on every instance that
 * shares it. The key is a KeyObject made once (see `secretKey`): this runs on every request.
 */
export function createCallerKeys(serverSecret: string | Buffer): CallerKeys {
  const key = secretKey(deriveKey(serverSecret, 'caller-key v1'));
  return (token) => createHmac('sha256', key).update(token).digest('base64url').slice(0, 32);
}
