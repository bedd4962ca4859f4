// `npx tsx bench/gc.ts [overhead|overhead-edges|growth|growth-100|edges]`: the facade's garbage collection under
// closed-loop load of one operation, from V8's own trace (`--trace-gc-nvp`) over the measured window
// (start-up and warm-up left out): how often the young generation is collected, what each of those
// collections found alive and promoted to the old generation, and the pauses per request. A request's
// garbage should die young: promotion that stays high whatever the load means something outlives its
// request (bench/results/optimisations.md, row 35, shows how to corner it).
// Environment: GC_WORKERS (keep-alive connections, default 8), GC_SECONDS (10), GC_QUERY (a query
// of your own instead of the named operation), GC_FACADE_FLAGS (extra node flags for the facade).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFacade } from './children.ts';
import { collectionsIn, gcSummary } from './gc-trace.ts';
import { loadFacadeWindow } from './load.ts';
import { PROFILED_OPERATIONS } from './queries.ts';
import { graphqlCall, startStack } from './stack.ts';

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'overhead';
  const named = PROFILED_OPERATIONS[which];
  if (!named) throw new Error(`unknown operation ${which}; use ${Object.keys(PROFILED_OPERATIONS).join(', ')}`);
  const query = process.env['GC_QUERY'] ?? named.query;
  const variables = process.env['GC_QUERY'] ? {} : named.variables;
  const workers = Number(process.env['GC_WORKERS'] ?? '8');
  const seconds = Number(process.env['GC_SECONDS'] ?? '10');
  const extraFlags = (process.env['GC_FACADE_FLAGS'] ?? '').split(' ').filter(Boolean);
  buildFacade();

  const dir = mkdtempSync(join(tmpdir(), 'partner-graph-gc-'));
  const tracePath = join(dir, 'facade-stdout.txt');
  const trace = openSync(tracePath, 'w');
  try {
    const stack = await startStack({
      sandbox: { customers: 300, invoices: 2_000, subscriptions: 300 },
      facadeNodeFlags: ['--trace-gc-nvp', ...extraFlags],
      facadeStdout: trace,
    });
    const edges = { start: 0, end: 0 };
    const result = await loadFacadeWindow({
      stack,
      workers,
      call: () => graphqlCall(stack.token, query, variables),
      warmupMs: 3_000,
      windowMs: seconds * 1000,
      atEdge: (edge) => {
        edges[edge] = statSync(tracePath).size;
      },
    });
    await stack.stop();
    console.log(
      `${result.requests} requests (${result.reqPerSec.toFixed(0)} req/s) at ${workers} connections, ` +
        `facade CPU ${result.serverCpuUsPerReq.toFixed(0)} µs/req, ${result.errors} errors`,
    );
    // Lines written between the two byte offsets: the measured window's collections (a line cut at
    // either edge is not a whole trace line, and is skipped).
    const window = readFileSync(tracePath).subarray(edges.start, edges.end).toString('utf8');
    for (const line of gcSummary(collectionsIn(window), result.requests)) console.log(line);
  } finally {
    closeSync(trace);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
