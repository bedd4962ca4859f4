// Keyset page tokens shaped like the documented example: standard base64 of
// `{"created":"<ISO>","id":"<last id served>"}`. A token names a position, not a page,
// so it is valid with any page size; `id` is optional as in the documented example.
import type { KeyedSequence, RecordSequence } from './record-table.ts';

export interface KeysetPosition {
  /** Creation time in ms of the last record served. */
  time: number;
  /** Its id; without one, the next page starts strictly before `time`. */
  id: string | undefined;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_TOKEN_LENGTH = 1024;

function encodePageToken(time: number, id: string): string {
  return Buffer.from(JSON.stringify({ created: new Date(time).toISOString(), id }), 'utf8').toString('base64');
}

/** The position a token names, or null when it is not base64 JSON of the right shape. */
export function decodePageToken(token: string): KeysetPosition | null {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !STANDARD_BASE64.test(token)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { created, id, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (typeof created !== 'string' || !ISO_INSTANT.test(created)) return null;
  const time = Date.parse(created);
  if (Number.isNaN(time) || new Date(time).toISOString() !== created) return null;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > 100)) return null;
  return { time, id };
}

/** Index of the first record strictly after `position` in newest-first, id-descending order. */
function firstIndexAfter(records: KeyedSequence, position: KeysetPosition): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isAfter(records, mid, position)) high = mid;
    else low = mid + 1;
  }
  return low;
}

function isAfter(records: KeyedSequence, index: number, position: KeysetPosition): boolean {
  const time = records.timeAt(index);
  if (time !== position.time) return time < position.time;
  return position.id !== undefined && records.idAt(index) < position.id;
}

export interface PageOptions {
  size: number;
  after: KeysetPosition | null;
  /** How many of `size` this page actually holds, given where it starts (1..size). */
  shortPageLength?: (start: number, size: number) => number;
  /** A full page ending exactly at the last record still carries a token (to an empty page). */
  trailingToken: boolean;
}

export interface Page<T> {
  items: T[];
  next: string | undefined;
}

export function readPage<T>(records: RecordSequence<T>, options: PageOptions): Page<T> {
  const start = options.after === null ? 0 : firstIndexAfter(records, options.after);
  const length = options.shortPageLength?.(start, options.size) ?? options.size;
  const end = Math.min(start + length, records.length);
  const items: T[] = [];
  for (let index = start; index < end; index++) items.push(records.at(index));
  const more = end < records.length;
  const trailing = !more && options.trailingToken && items.length === options.size;
  const last = end - 1;
  const next =
    (more || trailing) && items.length > 0 ? encodePageToken(records.timeAt(last), records.idAt(last)) : undefined;
  return { items, next };
}
