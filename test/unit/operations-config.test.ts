import { describe, expect, it } from 'vitest';
import { workerCount } from '../../src/cluster.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

describe('rate-limit and operations settings', () => {
  it('defaults: 600 a minute with a burst of ten seconds’ worth, one process, tracing off, no metrics token', () => {
    const config = loadConfig({});
    expect(config.rateLimit).toEqual({ perMinute: 600, burst: 100 });
    expect(config.redis).toEqual({ url: null, keyPrefix: 'pg:' });
    expect(config.operations).toEqual({
      readyUpstreamFreshMs: 30_000,
      readyProbeTimeoutMs: 2_000,
      shutdownGraceMs: 10_000,
      workers: 1,
      tracing: false,
      metricsToken: null,
    });
    expect(config.sandboxLatencyMs).toBe(0);
  });

  it('shares the download tickets’ Redis and key prefix', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://cache:6379',
      REDIS_KEY_PREFIX: 'graph:',
      RATE_LIMIT_PER_MINUTE: '60',
      RATE_LIMIT_BURST: '5',
    });
    expect(config.rateLimit).toEqual({ perMinute: 60, burst: 5 });
    expect(config.redis).toEqual({ url: 'redis://cache:6379', keyPrefix: 'graph:' });
  });

  it('turns tracing on with an OTLP endpoint unless TRACING says otherwise', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).operations.tracing).toBe(true);
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }).operations.tracing,
    ).toBe(true);
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', TRACING: 'false' }).operations.tracing,
    ).toBe(false);
  });

  it('reads WORKERS as a count or auto (one per available core)', () => {
    expect(loadConfig({ WORKERS: '4' }).operations.workers).toBe(4);
    const auto = loadConfig({ WORKERS: 'auto' }).operations.workers;
    expect(auto).toBe('auto');
    expect(workerCount(auto)).toBeGreaterThanOrEqual(1);
  });

  it('reports every bad variable together, never echoing the metrics token', () => {
    try {
      loadConfig({
        WORKERS: 'many',
        RATE_LIMIT_PER_MINUTE: '-1',
        SHUTDOWN_GRACE_MS: 'soon',
        METRICS_TOKEN: 'short-secret',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['WORKERS', 'RATE_LIMIT_PER_MINUTE', 'SHUTDOWN_GRACE_MS', 'METRICS_TOKEN'])
        expect(problems).toContain(name);
      expect(problems).not.toContain('short-secret');
    }
  });
});
