import type { IncomingMessage } from 'node:http';

/** The path of an origin-form request target; null for absolute-form, `*` or anything malformed. */
export function requestPath(req: IncomingMessage): string | null {
  const url = req.url ?? '';
  if (!url.startsWith('/') || url.startsWith('//')) return null;
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return null;
  }
}

/** How often a header occurs in the raw request (Node folds duplicates of some headers silently). */
export function countHeader(req: IncomingMessage, name: string): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === name) count++;
  return count;
}

/** True for `application/json` with any parameters (charset): the only body GraphQL POSTs may carry. */
export function isJsonContentType(value: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(value ?? '');
}
