// Scenario 1's bookkeeping, not its timings: which variants the bench measures and how it judges
// scenario 1's target from the figures it is handed.
import { describe, expect, it } from 'vitest';
import type { CandidateSummary } from '../../bench/interleave.ts';
import { overheadTargets, type Shape, variantFigures } from '../../bench/scenarios/overhead.ts';
import { readSettings } from '../../bench/settings.ts';

function summary(medianReqPerSec: number, serverCpuUsPerReq: number): CandidateSummary {
  return {
    name: 'candidate',
    rounds: [],
    medianReqPerSec,
    p50Ms: 1,
    p99Ms: 2,
    serverCpuUsPerReq,
    sandboxCpuUsPerReq: 100,
    requests: 1_000,
    errors: 0,
    firstError: null,
  };
}

/** A variant whose facade answers at `facadeOverProxy` times the proxy's 1,000 req/s. */
function variant(connections: number, shape: Shape, facadeOverProxy: number) {
  return variantFigures(connections, shape, {
    direct: summary(3_000, 0),
    proxy: summary(1_000, 200),
    facade: summary(1_000 * facadeOverProxy, 800),
  });
}

describe('scenario 1 settings', () => {
  it('measures 8 and 20 connections in the full run and in the quick one', () => {
    expect(readSettings({}).overheadConnections).toEqual([8, 20]);
    expect(readSettings({ BENCH_QUICK: '1' }).overheadConnections).toEqual([8, 20]);
  });

  it('still runs scenario 1 alone under its old id', () => {
    expect([...readSettings({ BENCH_ONLY: 'overhead' }).only]).toEqual(['overhead']);
  });
});

describe('scenario 1 variants', () => {
  it('compares the facade with the proxy of its own variant, in req/s and in CPU', () => {
    expect(variant(20, 'edges', 0.5)).toMatchObject({
      variant: '20 conns, edges',
      target: 'target',
      query: '{ customers(first: 20) { edges { node { id name email } } } }',
      reqPerSec: { direct: 3_000, proxy: 1_000, facade: 500 },
      facadeOverProxy: 0.5,
      cpuUsPerReq: { facade: 800, proxy: 200 },
      facadeCpuOverProxyCpu: 4,
    });
    expect(variant(8, 'nodes', 0.4).target).toBe('also');
    expect(variant(8, 'edges', 0.4).target).toBeNull();
    expect(variant(20, 'nodes', 0.4).target).toBeNull();
  });

  it('judges the target on 20 connections with edges, and 8 connections with nodes beside it', () => {
    const checks = overheadTargets([
      variant(8, 'nodes', 0.45),
      variant(8, 'edges', 0.9),
      variant(20, 'nodes', 0.9),
      variant(20, 'edges', 0.5),
    ]);
    expect(checks.map((c) => [c.target.includes('20 conns, edges'), c.met])).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(checks[1]?.target).toContain('8 conns, nodes');
  });
});
