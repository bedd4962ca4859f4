/** Where links point: configured, else derived from the request the link is minted in. */
export interface BaseUrlSettings {
  publicBaseUrl: string | null;
  trustProxy: boolean;
}

/** Reads one request header (any case), undefined when absent. */
export type HeaderLookup = (name: string) => string | null | undefined;

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
/** Path segments of unreserved characters, no `.` or `..`. */
const PREFIX = /^(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~-]+)+$/;

/**
 * The facade's public base URL, without a trailing slash: PUBLIC_BASE_URL when set; else the
 * request's own scheme and Host; X-Forwarded-Proto/-Host/-Prefix count only with TRUST_PROXY,
 * since anyone can send them. Null when the request names no usable host.
 */
export function publicBaseUrl(
  settings: BaseUrlSettings,
  ownProtocol: 'http' | 'https',
  header: HeaderLookup,
): string | null {
  if (settings.publicBaseUrl) return settings.publicBaseUrl;
  const forwarded = (name: string) => (settings.trustProxy ? firstValue(header(name)) : undefined);
  const protoHeader = forwarded('x-forwarded-proto')?.toLowerCase();
  const protocol = protoHeader === 'http' || protoHeader === 'https' ? protoHeader : ownProtocol;
  const host = forwarded('x-forwarded-host') ?? firstValue(header('host'));
  if (!host || !HOST.test(host)) return null;
  const prefix = forwarded('x-forwarded-prefix')?.replace(/\/+$/, '') ?? '';
  return `${protocol}://${host.toLowerCase()}${prefix && PREFIX.test(prefix) ? prefix : ''}`;
}

/** Proxies append to X-Forwarded-* lists; the first entry is the one the client's proxy saw. */
function firstValue(value: string | null | undefined): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}
