import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CursorError, type CursorScope, createCursorCodec, type Position } from '../../src/pagination/cursor.ts';

const SECRET = 'unit-test-cursor-secret-0123456789abcdef';
const codec = createCursorCodec(SECRET);
const SCOPE: CursorScope = { connection: 'customers', argsKey: 'k1' };
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const RUNS = { numRuns: 300 };

const tokenArb = fc.option(
  fc.string({
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='),
    minLength: 1,
    maxLength: 200,
  }),
  { nil: null },
);

const positionArb: fc.Arbitrary<Position> = fc
  .record({
    token: tokenArb,
    size: fc.integer({ min: 1, max: 100 }),
    index: fc.integer({ min: 0, max: 1_000_000_000 }),
  })
  .chain((p) => fc.integer({ min: 0, max: p.size }).map((offset) => ({ ...p, offset })));

const scopeArb: fc.Arbitrary<CursorScope> = fc.record({
  connection: fc.string({ minLength: 1, maxLength: 64 }),
  argsKey: fc.string({ maxLength: 128 }),
});

/** Signs an arbitrary payload exactly as encode() does, so only the payload's content can be wrong. */
function signRaw(json: string, secret = SECRET): string {
  const payload = Buffer.from(json).toString('base64url');
  const mac = createHmac('sha256', secret).update(`cursor:${payload}`).digest('base64url');
  return `${payload}.${mac}`;
}

function wellFormed(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { v: 1, c: SCOPE.connection, a: SCOPE.argsKey, t: 'tok', s: 10, o: 3, i: 3, ...overrides };
}

function refusal(cursor: string, scope: CursorScope = SCOPE): unknown {
  try {
    codec.decode(scope, cursor);
  } catch (error) {
    return error;
  }
  return undefined;
}

type Mutation = { kind: 'replace' | 'insert'; at: number; char: string } | { kind: 'delete'; at: number };

function mutate(s: string, m: Mutation): string {
  if (m.kind === 'delete') return s.slice(0, m.at) + s.slice(m.at + 1);
  if (m.kind === 'insert') return s.slice(0, m.at) + m.char + s.slice(m.at);
  return s.slice(0, m.at) + m.char + s.slice(m.at + 1);
}

const mutationCharArb = fc.oneof(
  fc.constantFrom(...BASE64URL, '.', '=', '+', '/'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

function mutationArb(length: number): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({
      kind: fc.constant('replace' as const),
      at: fc.integer({ min: 0, max: length - 1 }),
      char: mutationCharArb,
    }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.integer({ min: 0, max: length }), char: mutationCharArb }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.integer({ min: 0, max: length - 1 }) }),
  );
}

describe('cursor codec', () => {
  it('round-trips every valid position in every scope', () => {
    fc.assert(
      fc.property(scopeArb, positionArb, (scope, position) => {
        const cursor = codec.encode(scope, position);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
        expect(codec.decode(scope, cursor)).toEqual(position);
      }),
      RUNS,
    );
  });

  it('decodes the boundary positions exactly', () => {
    const edges: Position[] = [
      { token: null, size: 1, offset: 0, index: 0 },
      { token: null, size: 1, offset: 1, index: 1 },
      { token: '+/=', size: 100, offset: 100, index: 1_000_000_000 },
      { token: 'a'.repeat(200), size: 100, offset: 0, index: 999_999_999 },
    ];
    for (const p of edges) expect(codec.decode(SCOPE, codec.encode(SCOPE, p))).toEqual(p);
  });

  // Replacing the very last character is covered separately below (the spare-bits regression).
  it('refuses any single-character insertion, deletion or replacement (except of the final character)', () => {
    fc.assert(
      fc.property(
        positionArb.chain((p) => {
          const cursor = codec.encode(SCOPE, p);
          return fc.tuple(fc.constant(cursor), mutationArb(cursor.length));
        }),
        ([cursor, m]) => {
          fc.pre(!(m.kind === 'replace' && m.at === cursor.length - 1));
          const mutated = mutate(cursor, m);
          fc.pre(mutated !== cursor);
          expect(refusal(mutated)).toBeInstanceOf(CursorError);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses every replacement of a character of the payload or of the MAC but its last', () => {
    const cursor = codec.encode(SCOPE, { token: 'page-2', size: 20, offset: 7, index: 27 });
    let tried = 0;
    for (let at = 0; at < cursor.length - 1; at++) {
      for (const ch of BASE64URL) {
        if (ch === cursor[at]) continue;
        tried++;
        expect(refusal(cursor.slice(0, at) + ch + cursor.slice(at + 1)), `${at}:${ch}`).toBeInstanceOf(CursorError);
      }
    }
    // 63 alternatives at each base64url character, 64 at the separator.
    expect(tried).toBe((cursor.length - 2) * 63 + 64);
  });

  // Regression: the 43rd character of an unpadded 32-byte base64url string carries 2 spare bits, so
  // comparing decoded MACs accepted 3 other characters in the last position.
  it('refuses every other character in the last position of the MAC', () => {
    const cursor = codec.encode(SCOPE, { token: 'page-2', size: 20, offset: 7, index: 27 });
    const accepted = [...BASE64URL].filter(
      (ch) => ch !== cursor.at(-1) && refusal(cursor.slice(0, -1) + ch) === undefined,
    );
    expect(accepted).toEqual([]);
  });

  it('refuses random strings of every kind', () => {
    const anyString = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.base64String(),
      fc.base64String({ minLength: 44, maxLength: 400 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,80}\.[A-Za-z0-9_-]{43}$/),
    );
    fc.assert(
      fc.property(anyString, (s) => {
        expect(refusal(s)).toBeInstanceOf(CursorError);
      }),
      RUNS,
    );
  });

  it('refuses very long strings without trying to verify them', () => {
    const valid = codec.encode(SCOPE, { token: null, size: 10, offset: 0, index: 0 });
    for (const s of [
      'a'.repeat(8193),
      'a'.repeat(100_000) + valid.slice(-44),
      `${'A'.repeat(8001)}${valid.slice(-44)}`,
      '',
    ]) {
      const error = refusal(s);
      expect(error).toBeInstanceOf(CursorError);
      expect((error as Error).message).toBe('The cursor is malformed.');
    }
  });

  it('refuses a well-formed cursor signed with another secret', () => {
    fc.assert(
      fc.property(positionArb, fc.string({ minLength: 1, maxLength: 64 }), (position, otherSecret) => {
        fc.pre(otherSecret !== SECRET);
        const foreign = createCursorCodec(otherSecret).encode(SCOPE, position);
        const error = refusal(foreign);
        expect(error).toBeInstanceOf(CursorError);
        expect((error as Error).message).toBe('The cursor is not one this server issued, or it was altered.');
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a cursor of another connection or of other arguments, naming this connection', () => {
    fc.assert(
      fc.property(scopeArb, scopeArb, positionArb, (issued, used, position) => {
        fc.pre(issued.connection !== used.connection || issued.argsKey !== used.argsKey);
        const error = refusal(codec.encode(issued, position), used);
        expect(error).toBeInstanceOf(CursorError);
        expect((error as Error).message).toBe(
          `The cursor belongs to another connection or other arguments; use a cursor from this ${used.connection} connection.`,
        );
      }),
      RUNS,
    );
  });

  it('accepts a hand-signed payload that matches encode() byte for byte', () => {
    const position: Position = { token: 'tok', size: 10, offset: 3, index: 3 };
    expect(signRaw(JSON.stringify(wellFormed()))).toBe(codec.encode(SCOPE, position));
    expect(codec.decode(SCOPE, signRaw(JSON.stringify(wellFormed())))).toEqual(position);
  });

  const outOfRange: [string, string][] = [
    ['offset beyond the page size', JSON.stringify(wellFormed({ s: 10, o: 11 }))],
    ['offset beyond the largest page', JSON.stringify(wellFormed({ s: 100, o: 101 }))],
    ['size 0', JSON.stringify(wellFormed({ s: 0, o: 0 }))],
    ['size 101', JSON.stringify(wellFormed({ s: 101, o: 0 }))],
    ['fractional size', JSON.stringify(wellFormed({ s: 10.5 }))],
    ['index -1', JSON.stringify(wellFormed({ i: -1 }))],
    ['index beyond 1e9', JSON.stringify(wellFormed({ i: 1_000_000_001 }))],
    ['negative offset', JSON.stringify(wellFormed({ o: -1 }))],
    ['an extra key', JSON.stringify(wellFormed({ x: 1 }))],
    ['a missing key', JSON.stringify({ v: 1, c: 'customers', a: 'k1', t: null, s: 10, o: 0 })],
    ['version 2', JSON.stringify(wellFormed({ v: 2 }))],
    ['version "1"', JSON.stringify(wellFormed({ v: '1' }))],
    ['an empty token', JSON.stringify(wellFormed({ t: '' }))],
    ['a numeric token', JSON.stringify(wellFormed({ t: 5 }))],
    ['an array', JSON.stringify([1, 'customers', 'k1', null, 10, 0, 0])],
    ['null', 'null'],
    ['not JSON', '{v:1,c:customers}'],
    ['truncated JSON', JSON.stringify(wellFormed()).slice(0, -1)],
  ];
  it.each(outOfRange)('refuses a correctly signed payload with %s', (_name, json) => {
    const error = refusal(signRaw(json));
    expect(error).toBeInstanceOf(CursorError);
    expect((error as Error).message).toBe('The cursor is malformed.');
  });
});
