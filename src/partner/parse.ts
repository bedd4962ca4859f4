import { z } from 'zod';
import { PartnerError, type UpstreamFacts } from './errors.ts';
import type { UpstreamResponse } from './http.ts';
import type { UpstreamPage } from './page.ts';

/** A JSON object as JSON.parse returns it. */
export type JsonObject = Record<string, unknown>;

/**
 * A value that does not have the assumed shape. `path` is relative to the object being read; it
 * is prefixed on the way up (see `recordList`), so a page that matches never builds a path.
 */
class ShapeMismatch extends Error {
  constructor(readonly path: string) {
    super(`unexpected shape at ${path || 'body'}`);
  }
}

/**
 * Parses an upstream JSON body and reads it with `readBody`, which walks it once with the field
 * readers below. Any mismatch is UPSTREAM_BAD_RESPONSE naming the first field that does not fit
 * (e.g. `items.3.email`), never a crash.
 */
export function parseUpstreamJson<T>(response: UpstreamResponse, what: string, readBody: (body: JsonObject) => T): T {
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new PartnerError(
      'UPSTREAM_BAD_RESPONSE',
      `The partner API sent ${what} that is not valid JSON.`,
      factsOf(response),
    );
  }
  try {
    if (!isJsonObject(json)) throw new ShapeMismatch('');
    return readBody(json);
  } catch (error) {
    if (!(error instanceof ShapeMismatch)) throw error;
    throw new PartnerError(
      'UPSTREAM_BAD_RESPONSE',
      `The partner API sent ${what} of an unexpected shape (at ${error.path || 'body'}).`,
      factsOf(response),
    );
  }
}

/**
 * An upstream page: `parseUpstreamJson` with `readPage`, and the means to read the same answer again
 * (`UpstreamPage.again`). Its bytes are the same, so the second reading gives the same records.
 */
export function parseUpstreamPage<T>(
  response: UpstreamResponse,
  what: string,
  readPage: (body: JsonObject) => UpstreamPage<T>,
): UpstreamPage<T> {
  const read = (): UpstreamPage<T> => {
    const { records, next, total } = parseUpstreamJson(response, what, readPage);
    return { records, next, total, again: read };
  };
  return read();
}

function factsOf(response: UpstreamResponse): UpstreamFacts {
  return { status: response.status, ...(response.requestId ? { requestId: response.requestId } : {}) };
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** The list at `key` (absent: empty), each element an object read by `toRecord`. */
export function recordList<T>(page: JsonObject, key: string, toRecord: (record: JsonObject) => T): T[] {
  const list: unknown = page[key];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new ShapeMismatch(key);
  const records: T[] = [];
  let index = 0;
  try {
    for (; index < list.length; index++) {
      const item: unknown = list[index];
      if (!isJsonObject(item)) throw new ShapeMismatch('');
      records.push(toRecord(item));
    }
  } catch (error) {
    if (!(error instanceof ShapeMismatch)) throw error;
    throw new ShapeMismatch(error.path ? `${key}.${index}.${error.path}` : `${key}.${index}`);
  }
  return records;
}

export function requiredString(record: JsonObject, key: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw new ShapeMismatch(key);
  return value;
}

export function nonEmptyString(record: JsonObject, key: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value.length === 0) throw new ShapeMismatch(key);
  return value;
}

export function optionalString(record: JsonObject, key: string): string | null {
  return isAbsent(record[key]) ? null : requiredString(record, key);
}

export function matchingString(record: JsonObject, key: string, pattern: RegExp): string {
  const value = record[key];
  if (typeof value !== 'string' || !pattern.test(value)) throw new ShapeMismatch(key);
  return value;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A `YYYY-MM-DD` date, by its form only: `2024-13-45` passes. */
export function isoDate(record: JsonObject, key: string): string {
  return matchingString(record, key, ISO_DATE);
}

export function optionalIsoDate(record: JsonObject, key: string): string | null {
  return isAbsent(record[key]) ? null : isoDate(record, key);
}

/** An ISO-8601 date-time, kept as sent; anything Date.parse can read is accepted. */
export function isoDateTime(record: JsonObject, key: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw new ShapeMismatch(key);
  // Date.parse was a visible share of reading a page: the form the upstream sends is checked first.
  if (!isUtcInstant(value) && Number.isNaN(Date.parse(value))) throw new ShapeMismatch(key);
  return value;
}

const ZERO = 48;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Exactly `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.fffZ` naming a real calendar instant: a
 * strict subset of what Date.parse reads (test/unit/iso-date-time.test.ts), so it can only ever
 * spare Date.parse, never change an answer.
 */
export function isUtcInstant(text: string): boolean {
  const length = text.length;
  if (length !== 20 && length !== 24) return false;
  if (text.charCodeAt(length - 1) !== 90 /* Z */) return false;
  if (length === 24 && !(text.charCodeAt(19) === 46 /* . */ && digits(text, 20, 3) >= 0)) return false;
  return isCalendarDate(text) && isClockTime(text);
}

/** `YYYY-MM-DDT`, with the day within its month. */
function isCalendarDate(text: string): boolean {
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 /* T */) return false;
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  return day <= (DAYS_IN_MONTH[month - 1] ?? 0) || (month === 2 && day === 29 && isLeapYear(year));
}

/** `HH:MM:SS` from position 11, below 24:00:00. */
function isClockTime(text: string): boolean {
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return false;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The decimal number of `count` ASCII digits at `from`, or -1 when any is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

export function optionalIsoDateTime(record: JsonObject, key: string): string | null {
  return isAbsent(record[key]) ? null : isoDateTime(record, key);
}

/** A JSON money number as exact decimal text: see `moneyText`. */
export function moneyAmount(record: JsonObject, key: string): string {
  const value = record[key];
  const text = typeof value === 'number' ? moneyText(value) : undefined;
  if (text === undefined) throw new ShapeMismatch(key);
  return text;
}

/** A nested JSON object (not an array), or null when absent. */
export function optionalObject(record: JsonObject, key: string): JsonObject | null {
  const value = record[key];
  if (isAbsent(value)) return null;
  if (!isJsonObject(value)) throw new ShapeMismatch(key);
  // JSON.parse keeps a `__proto__` key as a field; it is dropped, as from `extra`, so only then copy.
  return Object.hasOwn(value, '__proto__') ? unmodelled(value, NOTHING_MODELLED) : value;
}

const NOTHING_MODELLED: ReadonlySet<string> = new Set();

const MAX_PAGE_TOKEN_LENGTH = 4096;

/** An opaque next-page token (1 to 4096 characters), or null on the last page. */
export function optionalPageToken(page: JsonObject, key: string): string | null {
  const value = page[key];
  if (isAbsent(value)) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PAGE_TOKEN_LENGTH)
    throw new ShapeMismatch(key);
  return value;
}

/** A non-negative safe integer, or null when absent; unlike the other optional fields, null is refused. */
export function optionalCount(page: JsonObject, key: string): number | null {
  const value = page[key];
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ShapeMismatch(key);
  return value;
}

/** Fields of `record` that the adapter does not model, in order, so nothing the upstream sends is lost. */
export function unmodelled(record: JsonObject, modelled: ReadonlySet<string>): JsonObject {
  const extra: JsonObject = {};
  for (const key in record) {
    // Assigning `__proto__` would replace the prototype of `extra` instead of adding a field.
    if (!modelled.has(key) && key !== '__proto__') extra[key] = record[key];
  }
  return extra;
}

const MAX_MONEY = 1e15;

/**
 * A JSON money number as an exact decimal string with at least two decimals, or undefined when
 * that cannot be exact. The shortest round-trip form of a double is the text the upstream sent,
 * so no binary arithmetic touches it; from 1e15 up a double no longer holds every cent, and below
 * 1e-6 that form has an exponent.
 */
export function moneyText(n: number): string | undefined {
  if (!(Math.abs(n) < MAX_MONEY)) return undefined;
  const text = String(n);
  if (text.includes('e')) return undefined;
  const point = text.indexOf('.');
  if (point === -1) return `${text}.00`;
  return point === text.length - 2 ? `${text}0` : text;
}

/** `moneyText` as a zod schema, for a check outside the adapters (the money unit tests use it). */
export const money = z.number().transform((n, ctx) => {
  const text = moneyText(n);
  if (text === undefined) ctx.addIssue({ code: 'custom', message: 'amount out of range' });
  return text ?? z.NEVER;
});
