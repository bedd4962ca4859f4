import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig, settingsHelp } from '../../src/config/index.ts';

const SECRET = 'x'.repeat(32);

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  // toMatchObject, not toEqual: other settings (e.g. request limits) are being added beside these.
  it('fills every default from an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      mode: 'development',
      port: 4000,
      host: '0.0.0.0',
      partnerApiUrl: null,
      paging: { defaultFirst: 20, maxFirst: 500, keptPageTtlMs: 30_000, keptPageMaxEntries: 1_000 },
      serverSecret: null,
      upstream: { timeoutMs: 10_000, operationDeadlineMs: 25_000, maxSockets: 32, maxConcurrent: 128 },
      forwardHeaders: ['x-request-id'],
      logLevel: 'info',
    });
  });

  it('treats empty and undefined variables as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: undefined, PARTNER_API_URL: '' })).toMatchObject({
      port: 4000,
      logLevel: 'info',
      partnerApiUrl: null,
    });
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      PARTNER_API_URL: 'https://acme.prod.limio.com/api///',
      DEFAULT_FIRST: '10',
      MAX_FIRST: '100',
      KEPT_PAGE_TTL_MS: '0',
      KEPT_PAGE_MAX_ENTRIES: '5',
      CURSOR_SECRET: SECRET,
      UPSTREAM_TIMEOUT_MS: '1000',
      OPERATION_DEADLINE_MS: '2000',
      UPSTREAM_MAX_SOCKETS: '4',
      UPSTREAM_MAX_CONCURRENT: '8',
      FORWARD_HEADERS: ' X-Request-Id , x-correlation-id,,',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      mode: 'production',
      port: 8080,
      host: '127.0.0.1',
      partnerApiUrl: 'https://acme.prod.limio.com/api',
      paging: { defaultFirst: 10, maxFirst: 100, keptPageTtlMs: 0, keptPageMaxEntries: 5 },
      serverSecret: SECRET,
      upstream: { timeoutMs: 1000, operationDeadlineMs: 2000, maxSockets: 4, maxConcurrent: 8 },
      forwardHeaders: ['x-request-id', 'x-correlation-id'],
      logLevel: 'warn',
    });
  });

  it('reports several bad variables together, each named, in one ConfigError', () => {
    const env = {
      PORT: 'eighty',
      MAX_FIRST: '0',
      LOG_LEVEL: 'loud',
      UPSTREAM_TIMEOUT_MS: '1.5',
      PARTNER_API_URL: 'ftp://example.com',
      NODE_ENV: 'staging',
    };
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = caught instanceof ConfigError ? caught.problems : [];
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['LOG_LEVEL', 'MAX_FIRST', 'NODE_ENV', 'PARTNER_API_URL', 'PORT', 'UPSTREAM_TIMEOUT_MS'].sort(),
    );
    for (const [name, value] of Object.entries(env)) {
      const problem = problems.find((p) => p.startsWith(`${name}:`));
      // URLs may carry credentials, so their values are never repeated.
      if (name === 'PARTNER_API_URL') expect(problem).not.toContain(value);
      else expect(problem).toContain(`(got ${JSON.stringify(value)})`);
    }
    expect((caught as Error).message).toBe(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  });

  it('refuses out-of-range numbers at both ends', () => {
    expect(problemsOf({ PORT: '65536' })).toHaveLength(1);
    expect(problemsOf({ PORT: '-1' })[0]).toMatch(/^PORT: /);
    expect(problemsOf({ KEPT_PAGE_TTL_MS: '600001' })[0]).toMatch(/^KEPT_PAGE_TTL_MS: /);
    expect(problemsOf({ UPSTREAM_MAX_SOCKETS: '0' })[0]).toMatch(/^UPSTREAM_MAX_SOCKETS: /);
  });

  it('reads the customer directory settings, and refuses an allowance the upstream-call budget cannot hold', () => {
    expect(loadConfig({})).toMatchObject({
      customerDirectory: { ttlMs: 60_000, maxCustomers: 100_000, lookupCalls: 15 },
    });
    expect(
      loadConfig({ CUSTOMER_DIRECTORY_TTL_MS: '0', CUSTOMER_LOOKUP_CALLS: '30', UPSTREAM_CALL_BUDGET: '40' }),
    ).toMatchObject({ customerDirectory: { ttlMs: 0, lookupCalls: 30 } });
    expect(problemsOf({ CUSTOMER_LOOKUP_CALLS: '30' })).toEqual([
      'CUSTOMER_LOOKUP_CALLS: must not exceed UPSTREAM_CALL_BUDGET (25), which it counts toward',
    ]);
  });

  it('refuses a DEFAULT_FIRST above MAX_FIRST', () => {
    expect(problemsOf({ DEFAULT_FIRST: '50', MAX_FIRST: '40' })).toEqual([
      'DEFAULT_FIRST: must not exceed MAX_FIRST (40)',
    ]);
  });

  it('refuses a short SERVER_SECRET, and reads CURSOR_SECRET as its deprecated alias', () => {
    expect(problemsOf({ SERVER_SECRET: 'x'.repeat(31) })[0]).toMatch(/^SERVER_SECRET: at least 32 characters/);
    expect(problemsOf({ CURSOR_SECRET: 'x'.repeat(31) })[0]).toMatch(/^CURSOR_SECRET: at least 32 characters/);
    expect(loadConfig({ SERVER_SECRET: SECRET }).serverSecret).toBe(SECRET);
    expect(loadConfig({ CURSOR_SECRET: SECRET }).serverSecret).toBe(SECRET);
    expect(loadConfig({ SERVER_SECRET: SECRET, CURSOR_SECRET: 'y'.repeat(32) }).serverSecret).toBe(SECRET);
    expect(configWarnings({ CURSOR_SECRET: SECRET })).toEqual([
      'CURSOR_SECRET is deprecated: name the same value SERVER_SECRET.',
    ]);
    expect(configWarnings({ SERVER_SECRET: SECRET })).toEqual([]);
  });

  it('requires CURSOR_SECRET and PARTNER_API_URL in production, reporting both', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'SERVER_SECRET: required in production (at least 32 characters, the same on every instance)',
      'PARTNER_API_URL: required in production (the embedded sandbox is for development)',
    ]);
    expect(problemsOf({ NODE_ENV: 'production', CURSOR_SECRET: SECRET })).toEqual([
      'PARTNER_API_URL: required in production (the embedded sandbox is for development)',
    ]);
    expect(problemsOf({ NODE_ENV: 'production', PARTNER_API_URL: 'https://a.example/api' })).toEqual([
      'SERVER_SECRET: required in production (at least 32 characters, the same on every instance)',
    ]);
    expect(loadConfig({ NODE_ENV: 'development' }).serverSecret).toBeNull();
  });

  // KNOWN GAP (src/config.ts): the production and DEFAULT_FIRST checks run only when every variable
  // parses, so one typo hides them and the operator fixes the environment one round at a time.
  it('reports production requirements alongside a malformed variable', () => {
    const names = problemsOf({ NODE_ENV: 'production', PORT: 'eighty' }).map((p) => p.split(':')[0]);
    expect(names.sort()).toEqual(['PARTNER_API_URL', 'PORT', 'SERVER_SECRET']);
  });

  // Regression: problems once echoed every raw value, so a too-short CURSOR_SECRET ended up in logs.
  it('does not echo a rejected CURSOR_SECRET', () => {
    const secret = 'hunter2-but-too-short';
    const problems = problemsOf({ CURSOR_SECRET: secret });
    expect(problems.join('\n')).not.toContain(secret);
  });

  it.each(['authorization', 'Authorization', 'x-request-id,cookie', 'COOKIE', 'host', 'x-request-id, Host'])(
    'refuses FORWARD_HEADERS=%j',
    (value) => {
      const problems = problemsOf({ FORWARD_HEADERS: value });
      expect(problems).toEqual([
        `FORWARD_HEADERS: a comma-separated list of header names, never authorization, cookie or host (got ${JSON.stringify(value)})`,
      ]);
    },
  );

  it('refuses FORWARD_HEADERS that are not header names', () => {
    expect(problemsOf({ FORWARD_HEADERS: 'x-request-id, x_weird' })[0]).toMatch(/^FORWARD_HEADERS: /);
    expect(problemsOf({ FORWARD_HEADERS: 'x-a: 1' })[0]).toMatch(/^FORWARD_HEADERS: /);
  });

  it('refuses a PARTNER_API_URL of another scheme and trims trailing slashes', () => {
    expect(problemsOf({ PARTNER_API_URL: 'file:///etc/passwd' })).toEqual(['PARTNER_API_URL: an http(s) URL']);
    expect(loadConfig({ PARTNER_API_URL: 'http://localhost:9000/api/' }).partnerApiUrl).toBe(
      'http://localhost:9000/api',
    );
  });

  // Regression: zod 4 runs refinements even after .url() fails; `new URL` threw a bare TypeError
  // and every other problem in the environment went unreported.
  it.each(['not a url', 'example.com', 'https://'])(
    'reports an unparseable PARTNER_API_URL=%j as a ConfigError',
    (url) => {
      expect(
        problemsOf({ PARTNER_API_URL: url, PORT: 'eighty' })
          .map((p) => p.split(':')[0])
          .sort(),
      ).toEqual(['PARTNER_API_URL', 'PORT']);
    },
  );

  it('words every problem one way: the variable, what a good value looks like, what it got', () => {
    const names = settingsHelp().map((line) => line.trim().split(/\s+/)[0] ?? '');
    expect(names.length).toBeGreaterThan(50);
    for (const bad of ['x', '-5', '99999999999', 'https://']) {
      const problems = problemsOf(Object.fromEntries(names.map((name) => [name, bad])));
      for (const problem of problems) {
        expect(problem).toMatch(/^[A-Z][A-Z0-9_]+: (a |an |one of |true, |at least |up to |'auto' )/);
        expect(problem).not.toMatch(/Invalid|expected|Too (small|big)/);
      }
    }
  });
});
