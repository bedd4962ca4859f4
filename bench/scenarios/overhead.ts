// Scenario 1: what the facade adds to one request. 20 customers with three fields, asked of
// (a) the sandbox directly, (b) a minimal undici pass-through proxy, (c) the facade.

import { runInterleaved } from '../interleave.ts';
import type { Candidate } from '../load.ts';
import { PROFILED_OPERATIONS } from '../queries.ts';
import type { ScenarioReport } from '../report.ts';
import { type Scenario, upstreamCallsPer } from '../scenario.ts';
import { createPool, graphqlCall, restCall } from '../stack.ts';
import { fixed, ms, ratio, times, us } from '../stats.ts';

const OVERHEAD_QUERY = PROFILED_OPERATIONS['overhead']?.query ?? '';
const REST_PATH = '/api/partner/customer?limit=20';
const TARGET = 0.5;

const restCheck = (_status: number, body: string) => {
  const items = (JSON.parse(body) as { items?: unknown[] }).items;
  return Array.isArray(items) && items.length === 20 ? null : `expected 20 items, got ${body.slice(0, 120)}`;
};

const facadeCheck = (_status: number, body: string) => {
  const parsed = JSON.parse(body) as { data?: { customers?: { nodes?: unknown[] } }; errors?: unknown };
  if (parsed.errors) return `GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 200)}`;
  return parsed.data?.customers?.nodes?.length === 20 ? null : `expected 20 nodes, got ${body.slice(0, 120)}`;
};

export const overhead: Scenario = async ({ settings, log, mainStack }) => {
  const stack = await mainStack();
  if (!stack.proxy || !stack.proxyOrigin) throw new Error('the overhead scenario needs the proxy');
  const connections = settings.workers;
  const candidates: Candidate[] = [
    {
      name: '(a) direct REST',
      pool: createPool(stack.sandboxOrigin, connections),
      call: () => restCall(stack.token, REST_PATH),
      check: restCheck,
      server: null,
      sandbox: stack.sandbox,
    },
    {
      name: '(b) undici proxy',
      pool: createPool(stack.proxyOrigin, connections),
      call: () => restCall(stack.token, REST_PATH),
      check: restCheck,
      server: stack.proxy,
      sandbox: stack.sandbox,
    },
    {
      name: '(c) facade',
      pool: createPool(stack.facadeOrigin, connections),
      call: () => graphqlCall(stack.token, OVERHEAD_QUERY),
      check: facadeCheck,
      server: stack.facade,
      sandbox: stack.sandbox,
    },
  ];
  try {
    const summaries = await runInterleaved(candidates, settings, log);
    const calls: number[] = [];
    for (const c of candidates) calls.push(await upstreamCallsPer(stack.admin, c.pool, c.call(), 20));
    const [direct, proxy, facade] = summaries;
    if (!direct || !proxy || !facade) throw new Error('missing candidate results');
    const facadeOverProxy = ratio(facade.medianReqPerSec, proxy.medianReqPerSec);
    const rows = summaries.map((s, i) => [
      s.name,
      fixed(s.medianReqPerSec, 0),
      times(ratio(s.medianReqPerSec, direct.medianReqPerSec)),
      times(ratio(s.medianReqPerSec, proxy.medianReqPerSec)),
      ms(s.p50Ms),
      ms(s.p99Ms),
      i === 0 ? '—' : us(s.serverCpuUsPerReq),
      us(s.sandboxCpuUsPerReq),
      fixed(calls[i] ?? Number.NaN, 2),
      String(s.errors),
    ]);
    const report: ScenarioReport = {
      id: 'overhead',
      title: '1. Overhead',
      about:
        `20 customers with three fields (id, name, email): (a) \`GET ${REST_PATH}\` straight to the sandbox, (b) the same through a minimal ` +
        `keep-alive undici pass-through proxy, (c) the facade, \`${OVERHEAD_QUERY}\`. ${settings.workers} concurrent connections.`,
      available: true,
      tables: [
        {
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
          rows,
        },
      ],
      targets: [
        {
          target: "facade ≥ 50% of the pass-through proxy's req/s, (c)/(b) ≥ 0.50",
          measured: `(c)/(b) = ${times(facadeOverProxy)} (${fixed(facade.medianReqPerSec, 0)} vs ${fixed(proxy.medianReqPerSec, 0)} req/s)`,
          met: facadeOverProxy >= TARGET,
          note:
            facadeOverProxy >= TARGET
              ? `facade CPU ${us(facade.serverCpuUsPerReq)}/req vs proxy ${us(proxy.serverCpuUsPerReq)}/req`
              : `the facade spends ${us(facade.serverCpuUsPerReq)} CPU per request against the proxy's ${us(proxy.serverCpuUsPerReq)}; on 2 cores shared with the sandbox and the load generator that CPU is the throughput. Where it goes, and what would cut it: bench/results/optimisations.md`,
        },
      ],
      notes: [
        "CPU/req (server) is the proxy's or the facade's own process; (a) has no server between client and sandbox.",
        `Per-round req/s: ${summaries.map((s) => `${s.name} ${s.rounds.map((r) => r.reqPerSec.toFixed(0)).join('/')}`).join('; ')}.`,
        ...summaries.filter((s) => s.firstError).map((s) => `${s.name}: first error: ${s.firstError}`),
      ],
      data: { summaries, upstreamCallsPerRequest: calls, facadeOverProxy },
    };
    return report;
  } finally {
    await Promise.all(candidates.map((c) => c.pool.close()));
  }
};
