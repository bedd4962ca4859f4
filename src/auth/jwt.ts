/** The `exp` claim of a JWT-shaped token in epoch ms; null for anything else. Never a signature check. */
export function jwtExpiry(token: string): number | null {
  // Exactly three parts, the claims (the middle one) not empty: found without splitting the token.
  const start = token.indexOf('.') + 1;
  const end = start === 0 ? -1 : token.indexOf('.', start);
  if (end <= start || token.includes('.', end + 1)) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(token.slice(start, end), 'base64url').toString('utf8'));
    const exp = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>)['exp'] : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Clocks disagree a little: a token is taken as expired only this long after its `exp`. */
export const EXPIRY_SKEW_MS = 30_000;

/**
 * When the token expired, if it has: a call with it must fail, so it is refused before any upstream
 * call. Only `exp` is read; whether the token is genuine is for the partner API to say.
 */
export function expiredAt(token: string, now: number): Date | null {
  const expiry = jwtExpiry(token);
  return expiry !== null && now > expiry + EXPIRY_SKEW_MS ? new Date(expiry) : null;
}
