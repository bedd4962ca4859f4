import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return error instanceof ConfigError ? error.problems : ['not a ConfigError'];
  }
};

describe('download settings', () => {
  it('default to 5-minute links capped at an hour, in memory, four decodes at once', () => {
    expect(loadConfig({}).downloads).toEqual({
      publicBaseUrl: null,
      trustProxy: false,
      linkTtlSeconds: 300,
      maxLinkTtlSeconds: 3600,
      maxTickets: 10_000,
      maxConcurrentPdfs: 4,
      maxDownloadMs: 600_000,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PUBLIC_BASE_URL: 'https://graph.example.com/partner/',
      TRUST_PROXY: 'true',
      PDF_LINK_TTL_SECONDS: '60',
      PDF_LINK_MAX_TTL_SECONDS: '600',
      PDF_LINK_MAX_TICKETS: '500',
      REDIS_URL: 'rediss://cache.internal:6380/2',
      REDIS_KEY_PREFIX: 'graph:',
      PDF_MAX_CONCURRENT: '2',
    });
    expect(config.redis).toEqual({ url: 'rediss://cache.internal:6380/2', keyPrefix: 'graph:' });
    expect(config.downloads).toEqual({
      publicBaseUrl: 'https://graph.example.com/partner',
      trustProxy: true,
      linkTtlSeconds: 60,
      maxLinkTtlSeconds: 600,
      maxTickets: 500,
      maxConcurrentPdfs: 2,
      maxDownloadMs: 600_000,
    });
  });

  it('refuses a default lifetime above the cap, a cap above a day, and odd URLs, all at once', () => {
    expect(problemsOf({ PDF_LINK_TTL_SECONDS: '900', PDF_LINK_MAX_TTL_SECONDS: '600' })).toEqual([
      'PDF_LINK_TTL_SECONDS: must not exceed PDF_LINK_MAX_TTL_SECONDS (600)',
    ]);
    const problems = problemsOf({
      PDF_LINK_MAX_TTL_SECONDS: '86401',
      PUBLIC_BASE_URL: 'https://graph.example.com/?x=1',
      REDIS_URL: 'http://cache',
      TRUST_PROXY: 'yes',
    });
    for (const name of ['PDF_LINK_MAX_TTL_SECONDS', 'PUBLIC_BASE_URL', 'REDIS_URL', 'TRUST_PROXY']) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
  });
});
