import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type UpstreamRequest, upstreamPath } from '../../src/partner/http.ts';

/** The path as URLSearchParams wrote it before the plain-text shortcut. */
function viaUrlSearchParams(basePath: string, request: UpstreamRequest): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.size ? `?${params.toString()}` : '';
  return `${basePath}${request.path}${search}`;
}

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(...'aZ09*._-~ +&=?#%/'), maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const value = fc.oneof(text, fc.integer(), fc.double(), fc.constant(undefined));
const query = fc.option(fc.dictionary(fc.oneof(text, fc.constantFrom('limit', 'filter', 'queryMore')), value), {
  nil: undefined,
});

describe('upstreamPath', () => {
  it('writes the query as URLSearchParams does', () => {
    fc.assert(
      fc.property(fc.constantFrom('', '/api'), query, (basePath, q) => {
        const request: UpstreamRequest = { endpoint: 'customers', path: '/partner/customer', token: 't', query: q };
        expect(upstreamPath(basePath, request)).toBe(viaUrlSearchParams(basePath, request));
      }),
      { numRuns: 5_000 },
    );
  });

  it('keeps the common query as it is', () => {
    const request = { endpoint: 'customers', path: '/partner/customer', token: 't' };
    const query = { filter: undefined, queryMore: undefined, limit: 20 };
    expect(upstreamPath('/api', { ...request, query })).toBe('/api/partner/customer?limit=20');
    expect(upstreamPath('/api', { ...request, query: { filter: 'a b', limit: 20 } })).toBe(
      '/api/partner/customer?filter=a+b&limit=20',
    );
    expect(upstreamPath('/api', { ...request, query: {} })).toBe('/api/partner/customer');
  });
});
