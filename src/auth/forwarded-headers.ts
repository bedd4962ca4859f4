/** Reads one request header (lower-case name); null or undefined when absent. */
export type HeaderLookup = (name: string) => string | string[] | null | undefined;

/** Longer values are not forwarded: an allowlisted header is still the caller's to fill. */
const MAX_FORWARDED_VALUE = 256;

/**
 * The caller headers that may follow the token upstream (the allowlist, lower-case names), and
 * always this request's id, generated ones included, so upstream logs correlate with ours.
 */
export function forwardedHeaders(
  header: HeaderLookup,
  allowlist: readonly string[],
  requestId: string,
): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of allowlist) {
    const value = header(name);
    if (typeof value === 'string' && value.length <= MAX_FORWARDED_VALUE) forwarded[name] = value;
  }
  forwarded['x-request-id'] = requestId;
  return forwarded;
}
