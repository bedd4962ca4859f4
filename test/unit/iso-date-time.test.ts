import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoDateTime, isUtcInstant, type JsonObject } from '../../src/partner/parse.ts';

/** The reader before its fast path: whatever Date.parse reads. */
function dateParseReading(record: JsonObject, key: string): string {
  const value = record[key];
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new Error(key);
  return value;
}

/** What a reader makes of `value`: the text it keeps, or that it refused it. */
function outcome(read: (record: JsonObject, key: string) => string, value: unknown): string {
  try {
    return `kept ${read({ at: value }, 'at')}`;
  } catch {
    return 'refused';
  }
}

const digit = fc.constantFrom(...'0123456789');
const digitsOf = (count: number) => fc.array(digit, { minLength: count, maxLength: count }).map((d) => d.join(''));
const oneOf = (...texts: string[]) => fc.constantFrom(...texts);

/** The strict form with any digits in every place (out-of-range months, days, hours included) and near-miss separators. */
const instantLike = fc
  .tuple(
    digitsOf(4),
    oneOf('-', '-', '-', '/', ' '),
    digitsOf(2),
    oneOf('-', '-', '.'),
    digitsOf(2),
    oneOf('T', 'T', 'T', 't', ' '),
    digitsOf(2),
    oneOf(':', ':', '.'),
    digitsOf(2),
    oneOf(':', ':', ''),
    digitsOf(2),
    oneOf('', '.', '.', ','),
    fc.oneof(digitsOf(3), digitsOf(1), digitsOf(4), fc.constant('')),
    oneOf('Z', 'Z', 'Z', 'z', '', '+00:00', '+01:00', ' Z'),
  )
  .map((parts) => parts.join(''));

const padded = (min: number, max: number, width: number) =>
  fc.integer({ min, max }).map((n) => String(n).padStart(width, '0'));

/** The strict form with each field at or just past its range (day 29–31 of every month, hour 24, second 60). */
const nearInstant = fc
  .tuple(
    padded(0, 9999, 4),
    padded(0, 13, 2),
    fc.oneof(padded(0, 32, 2), padded(28, 31, 2)),
    padded(0, 25, 2),
    padded(0, 61, 2),
    padded(0, 61, 2),
    fc.oneof(
      fc.constant(''),
      padded(0, 999, 3).map((f) => `.${f}`),
    ),
  )
  .map(([y, mo, d, h, mi, s, f]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f}Z`);

/** Real instants in the strict form, within the years it covers. */
const realInstant = fc
  .date({ noInvalidDate: true, min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z') })
  .chain((date) => {
    const text = date.toISOString();
    return fc.constantFrom(text, `${text.slice(0, 19)}Z`);
  });

const edges = [
  '2024-02-29T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '2000-02-29T12:00:00.000Z',
  '2024-04-31T00:00:00Z',
  '2024-04-30T23:59:59.999Z',
  '2024-12-31T24:00:00Z',
  '2024-12-31T23:59:60Z',
  '2024-13-01T00:00:00Z',
  '2024-00-10T00:00:00Z',
  '2024-01-00T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2024-01-01T00:00:00.00Z',
  '2024-01-01T00:00:00.0000Z',
  '2024-01-01T00:00:00z',
  '2024-01-01t00:00:00Z',
  '2024-01-01T00:00:00',
  '2024-01-01T00:00Z',
  '2024-01-01T00:00:00+00:00',
  '2024-01-01',
  ' 2024-01-01T00:00:00Z',
  '2024-01-01T00:00:00Z ',
  '２024-01-01T00:00:00Z',
  '202٤-01-01T00:00:00Z',
  '2024-01-01T00:00:00.1a3Z',
  '+002024-01-01T00:00:00Z',
  'Mon, 01 Jan 2024 00:00:00 GMT',
  '',
  'not a date',
];

describe('isoDateTime fast path', () => {
  it('accepts only what Date.parse reads (a strict subset)', () => {
    fc.assert(
      fc.property(
        fc.oneof(nearInstant, instantLike, realInstant, fc.string(), fc.string({ unit: 'binary' })),
        (text) => {
          if (isUtcInstant(text)) expect(Number.isNaN(Date.parse(text))).toBe(false);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('reads every value as the Date.parse reader did', () => {
    const value = fc.oneof(
      nearInstant,
      instantLike,
      realInstant,
      fc.string(),
      fc.constantFrom(...edges),
      fc.anything(),
    );
    fc.assert(
      fc.property(value, (v) => {
        expect(outcome(isoDateTime, v)).toBe(outcome(dateParseReading, v));
      }),
      { numRuns: 20_000 },
    );
    for (const edge of edges) expect(outcome(isoDateTime, edge), edge).toBe(outcome(dateParseReading, edge));
  });

  it('covers the form the partner API sends, and nothing loose', () => {
    fc.assert(fc.property(realInstant, (text) => isUtcInstant(text)));
    expect(isUtcInstant('2024-02-29T00:00:00Z')).toBe(true);
    for (const loose of ['2023-02-29T00:00:00Z', '2024-12-31T24:00:00Z', '2024-01-01T00:00:00+00:00', '2024-01-01'])
      expect(isUtcInstant(loose), loose).toBe(false);
  });
});
