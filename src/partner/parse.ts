import { z } from 'zod';
import { PartnerError } from './errors.ts';
import type { UpstreamResponse } from './http.ts';

/** Parses and checks an upstream JSON body; any mismatch is UPSTREAM_BAD_RESPONSE, never a crash. */
export function parseUpstreamJson<S extends z.ZodType>(response: UpstreamResponse, schema: S, what: string): z.output<S> {
  const facts = { status: response.status, ...(response.requestId ? { requestId: response.requestId } : {}) };
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new PartnerError('UPSTREAM_BAD_RESPONSE', `The partner API sent ${what} that is not valid JSON.`, facts);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'body';
    throw new PartnerError('UPSTREAM_BAD_RESPONSE', `The partner API sent ${what} of an unexpected shape (at ${where}).`, facts);
  }
  return parsed.data;
}

/** Fields of `record` that the adapter does not model, so nothing the upstream sends is lost. */
export function unmodelled(record: Record<string, unknown>, modelled: ReadonlySet<string>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const key in record) if (!modelled.has(key)) extra[key] = record[key];
  return extra;
}

/**
 * A JSON money number as an exact decimal string with at least two decimals. The shortest
 * round-trip form of a double is the text the upstream sent, so no binary arithmetic touches it.
 */
export const money = z
  .number()
  .finite()
  .refine((n) => Math.abs(n) < 1e15 && !String(n).includes('e'), 'amount out of range')
  .transform((n) => {
    const text = String(n);
    const [whole = '0', fraction = ''] = text.split('.');
    return `${whole}.${fraction.padEnd(2, '0')}`;
  });

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a YYYY-MM-DD date');
export const isoDateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 date-time');
export const pageToken = z.string().min(1).max(4096);
