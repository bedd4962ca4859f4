import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';
import { CENSOR, redactSecrets } from '../../src/logging/redact.ts';

describe('redactSecrets', () => {
  it('censors secret-named fields at any of four levels, in any letter case, inside arrays too', () => {
    const line = {
      Authorization: 'Bearer a',
      nested: {
        Cookie: 'b',
        deeper: { accessToken: 'c', deepest: { ticket: 'd', past: { token: 'kept at level five' } } },
      },
      list: [{ password: 'e' }, 'plain'],
    };
    expect(redactSecrets(line)).toEqual({
      Authorization: CENSOR,
      nested: {
        Cookie: CENSOR,
        deeper: { accessToken: CENSOR, deepest: { ticket: CENSOR, past: { token: 'kept at level five' } } },
      },
      list: [{ password: CENSOR }, 'plain'],
    });
  });

  it("returns a line without secrets as it is, and never changes the caller's object", () => {
    const clean = { requestId: 'r1', status: 200, codes: ['A'], nested: { endpoint: 'customers' } };
    expect(redactSecrets(clean)).toBe(clean);
    const dirty = { headers: { authorization: 'Bearer x' } };
    const redacted = redactSecrets(dirty);
    expect(redacted).not.toBe(dirty);
    expect(dirty.headers.authorization).toBe('Bearer x');
  });

  it('keeps an Error an Error, with its message and stack, when it censors a field of it', () => {
    const error = Object.assign(new TypeError('boom'), { token: 'secret-err' });
    const redacted = redactSecrets({ err: error }).err as TypeError & { token: string };
    expect(redacted).toBeInstanceOf(TypeError);
    expect(redacted.message).toBe('boom');
    expect(redacted.stack).toBe(error.stack);
    expect(redacted.token).toBe(CENSOR);
    expect(error.token).toBe('secret-err');
  });

  it('still redacts lines of a child logger that brings its own log formatter', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        lines.push(chunk.toString());
        done();
      },
    });
    const child = createLogger({ level: 'info', destination }).child(
      {},
      { formatters: { log: (line) => ({ ...line, wrapped: true }) } },
    );
    child.info({ authorization: 'Bearer secret-own' }, 'line');
    expect(lines.join('')).toContain('"wrapped":true');
    expect(lines.join('')).not.toMatch(/secret-/);
  });

  it('is what the logger applies to every line and to its bindings', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination }).child({ session: { token: 'secret-child' } });
    logger.info({ calls: [{ headers: { Authorization: 'Bearer secret-array' } }] }, 'line');
    const text = lines.join('');
    expect(text).toContain('"msg":"line"');
    expect(text).not.toMatch(/secret-/);
  });
});
