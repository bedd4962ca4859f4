/** Keys whose values never reach a log line, at any depth up to MAX_DEPTH, compared case-insensitively. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'accesstoken',
  'ticket',
  'password',
  'secret',
]);

export const CENSOR = '[redacted]';

/** Four levels cover `req.headers.authorization` and one more; our own lines are flat. */
const MAX_DEPTH = 4;

/**
 * The log line with every secret-named field replaced by the censor. Copies only what it changes,
 * so the common line (no secret, no nesting) costs one pass over its keys and no allocation.
 * (pino's path-based `redact` with wildcards cost several times more per line on the hot path.)
 */
export function redactSecrets<T>(value: T, depth = MAX_DEPTH): T {
  if (depth === 0 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return redactArray(value, depth) as T;
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    const replaced = SECRET_KEYS.has(key.toLowerCase()) ? CENSOR : redactSecrets(item, depth - 1);
    if (replaced !== item) {
      copy ??= copyOf(record);
      copy[key] = replaced;
    }
  }
  return (copy ?? value) as T;
}

/** A copy to censor: an Error stays an Error (pino logs its type, message and stack). */
function copyOf(record: Record<string, unknown>): Record<string, unknown> {
  if (!(record instanceof Error)) return { ...record };
  const error = Object.assign(Object.create(Object.getPrototypeOf(record) as object) as Error, record);
  error.message = record.message;
  if (record.stack !== undefined) error.stack = record.stack;
  return error as unknown as Record<string, unknown>;
}

function redactArray(items: unknown[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  items.forEach((item, i) => {
    const replaced = redactSecrets(item, depth - 1);
    if (replaced === item) return;
    copy ??= [...items];
    copy[i] = replaced;
  });
  return copy ?? items;
}
