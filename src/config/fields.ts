import { z } from 'zod';

/** The building blocks of every section: each says in its message what a good value looks like. */

export const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `a whole number from ${min} to ${max}` })
    .int({ error: `a whole number from ${min} to ${max}` })
    .min(min, { error: `a whole number from ${min} to ${max}` })
    .max(max, { error: `a whole number from ${min} to ${max}` });

export const fraction = (min: number, max: number, exclusiveMin = false) => {
  const message = `a number from ${min}${exclusiveMin ? ' (exclusive)' : ''} to ${max}`;
  const number = z.coerce.number({ error: message }).max(max, { error: message });
  return exclusiveMin ? number.gt(min, { error: message }) : number.min(min, { error: message });
};

export const bool = z
  .enum(['true', 'false', '1', '0'], { error: 'true, false, 1 or 0' })
  .transform((v) => v === 'true' || v === '1');

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `one of ${values.join(', ')}` });

/** Parses a URL without throwing: zod runs refinements even after an earlier check has failed. */
function urlOrNull(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

export const httpUrl = z
  .string()
  .refine((u) => /^https?:$/.test(urlOrNull(u)?.protocol ?? ''), { error: 'an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));

export const publicUrl = z
  .string()
  .refine(
    (u) => {
      const url = urlOrNull(u);
      return url !== null && /^https?:$/.test(url.protocol) && !url.search && !url.hash && !url.username;
    },
    { error: 'an http(s) URL without query, fragment or credentials' },
  )
  .transform((u) => u.replace(/\/+$/, ''));

export const redisUrl = z
  .string()
  .refine((u) => /^rediss?:$/.test(urlOrNull(u)?.protocol ?? ''), { error: 'a redis:// or rediss:// URL' });

export const secret = (minLength: number) => z.string().min(minLength, { error: `at least ${minLength} characters` });

export const list = z.string().transform((s) =>
  s
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

export const mode = oneOf(['development', 'production', 'test']).default('development');
