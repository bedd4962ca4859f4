// `npx tsx bench/ab.ts <baseline-checkout> [overhead|overhead-edges|growth|growth-100|edges]`: one optimisation,
// before and after, side by side. The facade from another checkout of this repo (the baseline:
// this tree with the change undone) and the facade from this tree run as two child processes in
// front of one sandbox, under the same load, in interleaved windows (A B A B …). On a noisy
// machine only a comparison made this way means anything.
// Environment: AB_WORKERS (keep-alive connections, default 8; 20 with `overhead-edges` is issue
// scenario 1's target variant), AB_WINDOW_MS (3000), AB_ROUNDS (6), AB_AFTER (the "after" checkout,
// default this tree), AB_AFTER_FLAGS (node flags for the "after" side only).
import { existsSync } from 'node:fs';
import { buildFacade, type ChildServer, detail, hasBuild, REPO_ROOT, startChild } from './children.ts';
import { type Candidate, measureWindow, type Window } from './load.ts';
import { PROFILED_OPERATIONS } from './queries.ts';
import { BENCH_FACADE_ENV, createPool, graphqlCall } from './stack.ts';
import { median } from './stats.ts';

const QUERIES = PROFILED_OPERATIONS;
const [baseline, which = 'overhead'] = process.argv.slice(2);
const chosen = QUERIES[which];
if (!baseline || !existsSync(`${baseline}/bench/servers/facade.ts`) || !chosen) {
  process.stderr.write(`usage: npx tsx bench/ab.ts <baseline-checkout> [${Object.keys(QUERIES).join('|')}]\n`);
  process.exit(2);
}
const windowMs = Number(process.env['AB_WINDOW_MS'] ?? '3000');
const rounds = Number(process.env['AB_ROUNDS'] ?? '6');
const workers = Number(process.env['AB_WORKERS'] ?? '8');
if (!Number.isInteger(workers) || workers < 1) {
  process.stderr.write(`AB_WORKERS must be a positive whole number, got ${process.env['AB_WORKERS']}\n`);
  process.exit(2);
}

// AB_AFTER: another checkout for the "after" side (default: this tree).
const afterRoot = process.env['AB_AFTER'];
// Each side runs as its checkout runs in production: freshly built where it has `npm run build`.
for (const root of new Set([baseline, afterRoot ?? REPO_ROOT])) if (hasBuild(root)) buildFacade(root);

const sandbox = await startChild('sandbox', {
  env: { BENCH_SANDBOX_OPTIONS: JSON.stringify({ customers: 300, invoices: 2_000, subscriptions: 300 }) },
});
const servers: ChildServer[] = [sandbox];
try {
  const env = {
    PARTNER_API_URL: detail(sandbox, 'url'),
    CURSOR_SECRET: 'bench-cursor-secret-0123456789abcdefghijklmnop',
    ...BENCH_FACADE_ENV,
  };
  const before = await startChild('facade', { env, root: baseline, stdout: 'ignore' });
  servers.push(before);
  // AB_AFTER_FLAGS: node flags for the "after" side only, e.g. --max-semi-space-size=32.
  const afterFlags = (process.env['AB_AFTER_FLAGS'] ?? '').split(' ').filter(Boolean);
  const after = await startChild('facade', {
    env,
    stdout: 'ignore',
    nodeFlags: afterFlags,
    ...(afterRoot ? { root: afterRoot } : {}),
  });
  servers.push(after);
  const runtimes = [before, after].map((server) => String(server.details['runtime']));
  console.log(
    `before: ${runtimes[0]}; after: ${runtimes[1]}${runtimes[0] === runtimes[1] ? '' : ' (the two sides run differently: compare with care)'}`,
  );
  const token = detail(sandbox, 'token');
  const candidate = (name: string, server: ChildServer): Candidate => ({
    name,
    pool: createPool(detail(server, 'origin'), workers),
    call: () => graphqlCall(token, chosen.query, chosen.variables),
    check: (_status, body) => (body.includes('"errors"') ? body.slice(0, 200) : null),
    server,
    sandbox,
  });
  const candidates = [candidate('before', before), candidate('after', after)];
  const load = { workers, maxRequests: 1_000_000 };
  for (const c of candidates) await measureWindow(c, { ...load, durationMs: windowMs });
  const windows: Window[][] = [[], []];
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const [i, c] of candidates.entries()) {
      const w = await measureWindow(c, { ...load, durationMs: windowMs });
      windows[i]?.push(w);
      line.push(
        `${c.name} ${w.reqPerSec.toFixed(0)} req/s ${w.serverCpuUsPerReq.toFixed(0)} µs/req${w.errors ? ` ${w.errors} errors: ${w.firstError}` : ''}`,
      );
    }
    console.log(`round ${round}: ${line.join(' | ')}`);
  }
  const cpu = windows.map((ws) => median(ws.map((w) => w.serverCpuUsPerReq)));
  const rps = windows.map((ws) => median(ws.map((w) => w.reqPerSec)));
  // Per-round ratios first, then their median: each pair of windows saw the same neighbours.
  const cpuRatio = median(
    (windows[1] ?? []).map((w, i) => w.serverCpuUsPerReq / (windows[0]?.[i]?.serverCpuUsPerReq ?? Number.NaN)),
  );
  const rpsRatio = median((windows[1] ?? []).map((w, i) => w.reqPerSec / (windows[0]?.[i]?.reqPerSec ?? Number.NaN)));
  console.log(
    `${which} at ${workers} connections: facade CPU/req ${cpu[0]?.toFixed(0)} → ${cpu[1]?.toFixed(0)} µs (after/before ${cpuRatio.toFixed(2)}), ` +
      `req/s ${rps[0]?.toFixed(0)} → ${rps[1]?.toFixed(0)} (after/before ${rpsRatio.toFixed(2)})`,
  );
  await Promise.all(candidates.map((c) => c.pool.close()));
} finally {
  for (const server of servers.reverse()) await server.stop();
}
