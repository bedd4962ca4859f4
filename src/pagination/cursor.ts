import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { secretKey } from '../lib/secrets.ts';
import { MAX_UPSTREAM_PAGE_SIZE } from '../partner/page.ts';

/**
 * Where a Relay cursor resumes: the upstream page it falls in (the token that fetched it and the
 * page size asked for), the offset inside that page, and how many nodes come before it.
 */
export interface Position {
  token: string | null;
  size: number;
  offset: number;
  index: number;
}

/** What a cursor is bound to: the connection and a fingerprint of its arguments. */
export interface CursorScope {
  connection: string;
  argsKey: string;
}

export class CursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorError';
  }
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 8192;
const MAC_LENGTH = 43; // base64url of 32 bytes, unpadded
const CURSOR_SHAPE = /^[A-Za-z0-9_-]{1,8000}\.[A-Za-z0-9_-]{43}$/;

const payloadSchema = z.strictObject({
  v: z.literal(VERSION),
  c: z.string().min(1).max(64),
  a: z.string().max(128),
  t: z.string().min(1).max(4096).nullable(),
  s: z.number().int().min(1).max(MAX_UPSTREAM_PAGE_SIZE),
  o: z.number().int().min(0).max(MAX_UPSTREAM_PAGE_SIZE),
  i: z.number().int().min(0).max(1_000_000_000),
});

export interface CursorCodec {
  encode(scope: CursorScope, position: Position): string;
  /** Throws CursorError for anything but an untouched cursor of this scope. */
  decode(scope: CursorScope, cursor: string): Position;
}

/** Opaque, versioned cursors with an HMAC-SHA256 over the whole payload. */
export function createCursorCodec(secret: string | Buffer): CursorCodec {
  const key = secretKey(secret); // made once: every cursor signed or checked uses it (see secretKey)
  const mac = (payload: string) => createHmac('sha256', key).update(`cursor:${payload}`).digest('base64url');

  function encode(scope: CursorScope, p: Position): string {
    const payload = Buffer.from(
      JSON.stringify({
        v: VERSION,
        c: scope.connection,
        a: scope.argsKey,
        t: p.token,
        s: p.size,
        o: p.offset,
        i: p.index,
      }),
    ).toString('base64url');
    return `${payload}.${mac(payload)}`;
  }

  function decode(scope: CursorScope, cursor: string): Position {
    if (cursor.length > MAX_CURSOR_LENGTH || !CURSOR_SHAPE.test(cursor))
      throw new CursorError('The cursor is malformed.');
    const payload = cursor.slice(0, -MAC_LENGTH - 1);
    // Compare the MAC as text: its last base64url character has spare bits that decoding would ignore.
    const given = Buffer.from(cursor.slice(-MAC_LENGTH), 'latin1');
    const expected = Buffer.from(mac(payload), 'latin1');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new CursorError('The cursor is not one this server issued, or it was altered.');
    }
    const parsed = payloadSchema.safeParse(parseJson(Buffer.from(payload, 'base64url').toString('utf8')));
    if (!parsed.success) throw new CursorError('The cursor is malformed.');
    const p = parsed.data;
    if (p.c !== scope.connection || p.a !== scope.argsKey) {
      throw new CursorError(
        `The cursor belongs to another connection or other arguments; use a cursor from this ${scope.connection} connection.`,
      );
    }
    if (p.o > p.s) throw new CursorError('The cursor is malformed.');
    return { token: p.t, size: p.s, offset: p.o, index: p.i };
  }

  return { encode, decode };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
