// Scenario 1: what the facade adds to one request. 20 customers with three fields, asked of
// (a) the sandbox directly, (b) a minimal undici pass-through proxy, (c) the facade, in the
// `nodes` and the `edges { node }` shape, at each of the settings' connection counts. Every
// candidate runs in one interleaved rotation, so each variant's (c)/(b) is taken side by side
// with the proxy at its own connection count.

import type { CandidateSummary } from '../interleave.ts';
import { runInterleaved } from '../interleave.ts';
import type { AnswerCheck, Candidate } from '../load.ts';
import { PROFILED_OPERATIONS } from '../queries.ts';
import type { ScenarioReport, Table, TargetCheck } from '../report.ts';
import { type Scenario, upstreamCallsPer } from '../scenario.ts';
import { type BenchStack, createPool, graphqlCall, restCall } from '../stack.ts';
import { fixed, ms, ratio, times, us } from '../stats.ts';

const REST_PATH = '/api/partner/customer?limit=20';
const TARGET = 0.5;

export type Shape = 'nodes' | 'edges';
const SHAPES: readonly Shape[] = ['nodes', 'edges'];
const QUERIES: Record<Shape, string> = {
  nodes: PROFILED_OPERATIONS['overhead']?.query ?? '',
  edges: PROFILED_OPERATIONS['overhead-edges']?.query ?? '',
};

/** The variant the target is set on, and the one that must reach it too. */
const TARGET_VARIANT = { connections: 20, shape: 'edges' } as const;
const ALSO_VARIANT = { connections: 8, shape: 'nodes' } as const;

type Role = 'direct' | 'proxy' | 'facade';

interface Measured {
  role: Role;
  shape: Shape | null;
  connections: number;
  candidate: Candidate;
}

export interface VariantFigures {
  variant: string;
  connections: number;
  shape: Shape;
  query: string;
  /** 'target': the figure the target is set on; 'also': must reach it too; null: shown for comparison. */
  target: 'target' | 'also' | null;
  reqPerSec: { direct: number; proxy: number; facade: number };
  facadeOverProxy: number;
  /** Each round's facade window over the proxy window beside it: the spread behind the ratio of medians. */
  facadeOverProxyByRound: number[];
  cpuUsPerReq: { facade: number; proxy: number };
  facadeCpuOverProxyCpu: number;
}

const restCheck: AnswerCheck = (_status, body) => {
  const items = (JSON.parse(body) as { items?: unknown[] }).items;
  return Array.isArray(items) && items.length === 20 ? null : `expected 20 items, got ${body.slice(0, 120)}`;
};

const facadeCheck =
  (shape: Shape): AnswerCheck =>
  (_status, body) => {
    const parsed = JSON.parse(body) as { data?: { customers?: Record<string, unknown[]> }; errors?: unknown };
    if (parsed.errors) return `GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 200)}`;
    return parsed.data?.customers?.[shape]?.length === 20 ? null : `expected 20 ${shape}, got ${body.slice(0, 120)}`;
  };

export function variantName(connections: number, shape: Shape): string {
  return `${connections} conns, ${shape}`;
}

/** Direct, proxy and the facade in both shapes, at one connection count. */
function candidatesAt(stack: BenchStack, proxyOrigin: string, connections: number): Measured[] {
  const at = `, ${connections} conns`;
  const rest = (name: string, origin: string, server: Candidate['server']): Candidate => ({
    name: `${name}${at}`,
    pool: createPool(origin, connections),
    connections,
    call: () => restCall(stack.token, REST_PATH),
    check: restCheck,
    server,
    sandbox: stack.sandbox,
  });
  const facade = (shape: Shape): Measured => ({
    role: 'facade',
    shape,
    connections,
    candidate: {
      name: `(c) facade ${shape}${at}`,
      pool: createPool(stack.facadeOrigin, connections),
      connections,
      call: () => graphqlCall(stack.token, QUERIES[shape]),
      check: facadeCheck(shape),
      server: stack.facade,
      sandbox: stack.sandbox,
    },
  });
  return [
    { role: 'direct', shape: null, connections, candidate: rest('(a) direct REST', stack.sandboxOrigin, null) },
    { role: 'proxy', shape: null, connections, candidate: rest('(b) undici proxy', proxyOrigin, stack.proxy) },
    ...SHAPES.map(facade),
  ];
}

export function variantFigures(
  connections: number,
  shape: Shape,
  summaries: { direct: CandidateSummary; proxy: CandidateSummary; facade: CandidateSummary },
): VariantFigures {
  const { direct, proxy, facade } = summaries;
  const is = (v: { connections: number; shape: Shape }) => v.connections === connections && v.shape === shape;
  return {
    variant: variantName(connections, shape),
    connections,
    shape,
    query: QUERIES[shape],
    target: is(TARGET_VARIANT) ? 'target' : is(ALSO_VARIANT) ? 'also' : null,
    reqPerSec: {
      direct: round(direct.medianReqPerSec, 1),
      proxy: round(proxy.medianReqPerSec, 1),
      facade: round(facade.medianReqPerSec, 1),
    },
    facadeOverProxy: round(ratio(facade.medianReqPerSec, proxy.medianReqPerSec), 3),
    facadeOverProxyByRound: facade.rounds.map((r, i) =>
      round(ratio(r.reqPerSec, proxy.rounds[i]?.reqPerSec ?? Number.NaN), 3),
    ),
    cpuUsPerReq: { facade: round(facade.serverCpuUsPerReq, 1), proxy: round(proxy.serverCpuUsPerReq, 1) },
    facadeCpuOverProxyCpu: round(ratio(facade.serverCpuUsPerReq, proxy.serverCpuUsPerReq), 3),
  };
}

/** Figures kept to what the noise allows, so latest.json reads as easily as the table. */
function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function variantsOf(measured: readonly Measured[], summaries: readonly CandidateSummary[]): VariantFigures[] {
  const find = (role: Role, connections: number, shape: Shape | null) => {
    const i = measured.findIndex((m) => m.role === role && m.connections === connections && m.shape === shape);
    const summary = summaries[i];
    if (!summary) throw new Error(`missing results for ${role} at ${connections} connections`);
    return summary;
  };
  return [...new Set(measured.map((m) => m.connections))].flatMap((connections) =>
    SHAPES.map((shape) =>
      variantFigures(connections, shape, {
        direct: find('direct', connections, null),
        proxy: find('proxy', connections, null),
        facade: find('facade', connections, shape),
      }),
    ),
  );
}

function targetCell(v: VariantFigures): string {
  if (v.target === null) return '—';
  const verdict = v.facadeOverProxy >= TARGET ? 'met' : 'not met';
  return `${v.target === 'target' ? 'THE target' : 'also'}: ≥ ${TARGET.toFixed(2)}×, ${verdict}`;
}

function variantsTable(variants: readonly VariantFigures[]): Table {
  return {
    caption: 'Variants: the facade against the proxy at the same connection count',
    columns: [
      'variant',
      '(a) direct req/s',
      '(b) proxy req/s',
      '(c) facade req/s',
      '(c)/(b) req/s',
      'facade CPU/req',
      'proxy CPU/req',
      'CPU (c)/(b)',
      'target',
    ],
    rows: variants.map((v) => [
      v.variant,
      fixed(v.reqPerSec.direct, 0),
      fixed(v.reqPerSec.proxy, 0),
      fixed(v.reqPerSec.facade, 0),
      times(v.facadeOverProxy),
      us(v.cpuUsPerReq.facade),
      us(v.cpuUsPerReq.proxy),
      times(v.facadeCpuOverProxyCpu),
      targetCell(v),
    ]),
  };
}

function candidatesTable(
  measured: readonly Measured[],
  summaries: readonly CandidateSummary[],
  calls: readonly number[],
): Table {
  const floor = (role: Role, connections: number) =>
    summaries[measured.findIndex((m) => m.role === role && m.connections === connections)]?.medianReqPerSec ??
    Number.NaN;
  return {
    caption: 'Candidates ("vs" compares with (a) or (b) at the same connection count)',
    columns: [
      'candidate',
      'req/s (median)',
      'vs (a)',
      'vs (b)',
      'p50',
      'p99',
      'CPU/req (server)',
      'CPU/req (sandbox)',
      'upstream calls/req',
      'errors',
    ],
    rows: summaries.map((s, i) => {
      const m = measured[i];
      const connections = m?.connections ?? Number.NaN;
      return [
        s.name,
        fixed(s.medianReqPerSec, 0),
        times(ratio(s.medianReqPerSec, floor('direct', connections))),
        times(ratio(s.medianReqPerSec, floor('proxy', connections))),
        ms(s.p50Ms),
        ms(s.p99Ms),
        m?.role === 'direct' ? '—' : us(s.serverCpuUsPerReq),
        us(s.sandboxCpuUsPerReq),
        fixed(calls[i] ?? Number.NaN, 2),
        String(s.errors),
      ];
    }),
  };
}

/** The target: 20 connections with `edges` at ≥ 0.50× the proxy, and 8 connections with `nodes` there too. */
export function overheadTargets(variants: readonly VariantFigures[]): TargetCheck[] {
  const target = variants.find((v) => v.target === 'target');
  const also = variants.find((v) => v.target === 'also');
  const checks: TargetCheck[] = [];
  if (target)
    checks.push({
      target: `${target.variant}: facade ≥ 50% of the proxy's req/s at ${target.connections} connections, (c)/(b) ≥ ${TARGET.toFixed(2)}`,
      measured: `(c)/(b) = ${times(target.facadeOverProxy)} (${fixed(target.reqPerSec.facade, 0)} vs ${fixed(target.reqPerSec.proxy, 0)} req/s)`,
      met: target.facadeOverProxy >= TARGET,
      note: cpuNote(target),
    });
  if (also)
    checks.push({
      target: `and at least as high, ${also.variant}: (c)/(b) ≥ ${TARGET.toFixed(2)}`,
      measured: `(c)/(b) = ${times(also.facadeOverProxy)} (${fixed(also.reqPerSec.facade, 0)} vs ${fixed(also.reqPerSec.proxy, 0)} req/s)${target ? `; ${target.variant}: ${times(target.facadeOverProxy)}` : ''}`,
      met: also.facadeOverProxy >= TARGET,
      note: cpuNote(also),
    });
  return checks;
}

function cpuNote(v: VariantFigures): string {
  const cpu = `the facade spends ${us(v.cpuUsPerReq.facade)} CPU per request against the proxy's ${us(v.cpuUsPerReq.proxy)} (${times(v.facadeCpuOverProxyCpu)})`;
  return v.facadeOverProxy >= TARGET
    ? cpu
    : `${cpu}; on 2 cores shared with the sandbox and the load generator that CPU is the throughput. Where it goes, and what would cut it: bench/results/optimisations.md`;
}

/** Upstream calls per request of each kind of candidate, probed once (one request at a time, so connections don't matter). */
async function probeUpstreamCalls(stack: BenchStack, measured: readonly Measured[]): Promise<number[]> {
  const byKind = new Map<string, number>();
  const calls: number[] = [];
  for (const { role, shape, candidate } of measured) {
    const kind = `${role} ${shape}`;
    if (!byKind.has(kind)) byKind.set(kind, await upstreamCallsPer(stack.admin, candidate.pool, candidate.call(), 20));
    calls.push(byKind.get(kind) ?? Number.NaN);
  }
  return calls;
}

export const overhead: Scenario = async ({ settings, log, mainStack }) => {
  const stack = await mainStack();
  const proxyOrigin = stack.proxyOrigin;
  if (!stack.proxy || !proxyOrigin) throw new Error('the overhead scenario needs the proxy');
  const measured = settings.overheadConnections.flatMap((connections) => candidatesAt(stack, proxyOrigin, connections));
  const candidates = measured.map((m) => m.candidate);
  try {
    const summaries = await runInterleaved(candidates, settings, log);
    const calls = await probeUpstreamCalls(stack, measured);
    const variants = variantsOf(measured, summaries);
    const report: ScenarioReport = {
      id: 'overhead',
      title: '1. Overhead',
      about:
        `20 customers with three fields (id, name, email): (a) \`GET ${REST_PATH}\` straight to the sandbox, (b) the same through a minimal ` +
        `keep-alive undici pass-through proxy, (c) the facade, \`${QUERIES.nodes}\` (nodes) and \`${QUERIES.edges}\` (edges). ` +
        `Each at ${settings.overheadConnections.join(' and ')} concurrent keep-alive connections, all ${candidates.length} candidates in one interleaved rotation; ` +
        'a variant compares the facade with (a) and (b) at its own connection count.',
      available: true,
      tables: [variantsTable(variants), candidatesTable(measured, summaries, calls)],
      targets: overheadTargets(variants),
      notes: [
        "CPU/req (server) is the proxy's or the facade's own process; (a) has no server between client and sandbox.",
        `Per-round (c)/(b): ${variants.map((v) => `${v.variant} ${v.facadeOverProxyByRound.map((r) => r.toFixed(2)).join('/')}`).join('; ')}.`,
        `Per-round req/s: ${summaries.map((s) => `${s.name} ${s.rounds.map((r) => r.reqPerSec.toFixed(0)).join('/')}`).join('; ')}.`,
        ...summaries.filter((s) => s.firstError).map((s) => `${s.name}: first error: ${s.firstError}`),
      ],
      data: {
        variants,
        candidates: summaries.map((s, i) => ({
          ...s,
          role: measured[i]?.role,
          shape: measured[i]?.shape,
          connections: measured[i]?.connections,
          upstreamCallsPerRequest: calls[i],
        })),
      },
    };
    return report;
  } finally {
    await Promise.all(candidates.map((c) => c.pool.close()));
  }
};
