import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCredentials } from '../../src/auth/credentials.ts';
import { retryAfterSeconds } from '../../src/partner/http.ts';
import { money } from '../../src/partner/parse.ts';

const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZSI6InBhcnRuZXIiLCJsbW86cGFydG5lcl9vcmciOiJhY21lIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU-_w';

function problemOf(values: readonly string[]): string {
  const result = readCredentials(values);
  if (result.ok) throw new Error(`expected a refusal, got token ${result.token}`);
  return result.problem;
}

describe('readCredentials', () => {
  it('returns a JWT-like bearer token byte for byte', () => {
    expect(readCredentials([`Bearer ${JWT}`])).toEqual({ ok: true, token: JWT });
  });

  it('accepts the scheme in any case and b64token padding', () => {
    expect(readCredentials(['bearer abc+/=='])).toEqual({ ok: true, token: 'abc+/==' });
    expect(readCredentials(['BEARER a-b._~c'])).toEqual({ ok: true, token: 'a-b._~c' });
  });

  it('returns every b64token byte for byte', () => {
    const b64token = fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,200}=*$/);
    fc.assert(
      fc.property(b64token, (token) => {
        expect(readCredentials([`Bearer ${token}`])).toEqual({ ok: true, token });
      }),
      { numRuns: 200 },
    );
  });

  it('asks for a header when there is none', () => {
    expect(problemOf([])).toBe('Send `Authorization: Bearer <token>` with a partner API token.');
  });

  it('refuses two Authorization values, even identical ones', () => {
    expect(problemOf([`Bearer ${JWT}`, `Bearer ${JWT}`])).toBe('Send exactly one Authorization header.');
    expect(problemOf([`Bearer ${JWT}`, 'Basic dXNlcjpwYXNz'])).toBe('Send exactly one Authorization header.');
  });

  it.each([
    'Basic dXNlcjpwYXNz',
    'Bearer',
    'Bearer ',
    `Bearer  ${JWT}`,
    `Bearer ${JWT} extra`,
    `Token ${JWT}`,
    JWT,
    '',
  ])('refuses the header value %j as not Bearer <token>', (value) => {
    expect(problemOf([value])).toBe('The Authorization header must be `Bearer <token>`.');
  });

  it.each([
    ['a carriage return', `${JWT}\r`],
    ['a line feed', `${JWT}\nX-Injected:1`],
    ['CRLF', `abc\r\ndef`],
    ['a tab', `abc\tdef`],
    ['NUL', `abc\u0000def`],
    ['DEL', `abc\u007fdef`],
    ['a non-ASCII letter', 'abcé'],
    ['padding in the middle', 'abc=def'],
    ['a quote', 'abc"def'],
    ['a comma', 'abc,def'],
  ])('refuses a token with %s', (_name, token) => {
    expect(problemOf([`Bearer ${token}`])).toBe('The bearer token contains characters a token cannot hold.');
  });

  it('accepts a token of exactly 8 KB and refuses one byte more', () => {
    const max = 'a'.repeat(8 * 1024);
    expect(readCredentials([`Bearer ${max}`])).toEqual({ ok: true, token: max });
    expect(problemOf([`Bearer ${max}a`])).toBe('The bearer token is too long.');
  });
});

describe('money', () => {
  it.each([
    [19.99, '19.99'],
    [120, '120.00'],
    [1249.5, '1249.50'],
    [0, '0.00'],
    [-0, '0.00'],
    [-5.5, '-5.50'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1.005, '1.005'],
    [0.000001, '0.000001'],
    [999_999_999_999_999.9, '999999999999999.90'],
  ])('turns %s into %j', (input, text) => {
    expect(money.parse(input)).toBe(text);
  });

  it('keeps the shortest round-trip text of any finite amount below 1e15 (from 1e-6 up)', () => {
    const amount = fc
      .double({ min: -9.99e14, max: 9.99e14, noNaN: true })
      .filter((n) => !Object.is(n, -0) && (n === 0 || Math.abs(n) >= 1e-6));
    fc.assert(
      fc.property(amount, (n) => {
        const text = money.parse(n);
        expect(text).toMatch(/^-?\d+\.\d{2,}$/);
        expect(Number(text)).toBe(n);
        expect(text.replace(/(\.\d*?[1-9])0+$|\.0+$/, '$1')).toBe(String(n));
      }),
      { numRuns: 300 },
    );
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e15, -1e15, 1e16, 1e21])(
    'refuses %s',
    (n) => {
      expect(money.safeParse(n).success).toBe(false);
    },
  );

  it.each(['19.99', null, undefined, true])('refuses the non-number %j', (value) => {
    expect(money.safeParse(value).success).toBe(false);
  });

  // Regression: String(n) switches to exponent notation below 1e-6 (1e-7 became "1e-7.00").
  it.each([1e-7, -2.5e-8, 5e-324])('gives a plain decimal (or refuses) for the tiny amount %s', (n) => {
    const parsed = money.safeParse(n);
    if (parsed.success) expect(parsed.data).toMatch(/^-?\d+\.\d{2,}$/);
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

  it.each([
    ['5', 5],
    [' 5 ', 5],
    ['0', 0],
    ['120', 120],
  ])('reads delay-seconds %j as %i', (value, seconds) => {
    expect(retryAfterSeconds(value, now)).toBe(seconds);
  });

  it('reads an HTTP date as the seconds until it, rounded up', () => {
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:28:10 GMT', now)).toBe(10);
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:28:10 GMT', now + 500)).toBe(10);
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:30:00 GMT', now)).toBe(120);
  });

  it('reads an HTTP date in the past as 0', () => {
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
  });

  it.each([undefined, '', 'soon', 'later please', 'NaN'])('gives undefined for %j', (value) => {
    expect(retryAfterSeconds(value, now)).toBeUndefined();
  });

  // Regression: Date.parse is lenient, so garbage holding a number parsed as a date ("foo 2030").
  it.each(['foo 2030', 'retry in 2099', '5.5', '-5'])('gives undefined for the non-date %j', (value) => {
    expect(retryAfterSeconds(value, now)).toBeUndefined();
  });
});
