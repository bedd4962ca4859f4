// `npm run bench`: what the facade costs against the floors, side by side in one run on this
// machine. Prints the tables and writes bench/results/ (a BENCH_QUICK or BENCH_ONLY run writes
// bench/results/smoke/ instead, which is not kept).

import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildFacade } from './children.ts';
import { describeMachine, type Run, renderText, type ScenarioReport, writeRun } from './report.ts';
import type { Scenario } from './scenario.ts';
import { dedupe } from './scenarios/dedupe.ts';
import { deepPaging } from './scenarios/deep-paging.ts';
import { growth } from './scenarios/growth.ts';
import { hostileBurst } from './scenarios/hostile-burst.ts';
import { joins } from './scenarios/joins.ts';
import { overhead } from './scenarios/overhead.ts';
import { pdf } from './scenarios/pdf.ts';
import { roundTrip } from './scenarios/round-trip.ts';
import { readSettings, type ScenarioId } from './settings.ts';
import { type BenchStack, startStack } from './stack.ts';

const SCENARIOS: Record<ScenarioId, Scenario> = {
  overhead,
  'round-trip': roundTrip,
  dedupe,
  'deep-paging': deepPaging,
  growth,
  pdf,
  hostile: hostileBurst,
  joins,
};

/** The records of the stack most scenarios share: enough invoices for `first: 500`. */
const MAIN_SANDBOX = { customers: 300, invoices: 2_000, subscriptions: 300 };

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const started = performance.now();
  const date = new Date().toISOString();
  const machine = describeMachine();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `Partner Graph bench — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}${settings.quick ? ' (BENCH_QUICK)' : ''}`,
  );
  // The facade is measured as production runs it: from the build, made fresh from this tree.
  log('Building the facade (npm run build) …');
  buildFacade();

  const shared: { stack: Promise<BenchStack> | null } = { stack: null };
  const mainStack = () => (shared.stack ??= startStack({ sandbox: MAIN_SANDBOX, proxy: true }));
  const reports: ScenarioReport[] = [];
  try {
    for (const [id, scenario] of Object.entries(SCENARIOS)) {
      if (!settings.only.has(id as ScenarioId)) continue;
      log(`\n[${id}]`);
      const t0 = performance.now();
      reports.push(await scenario({ settings, log, mainStack }));
      log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    if (shared.stack) await (await shared.stack).stop();
  }

  machine.loadAverageAtEnd = loadavg().map((n) => Math.round(n * 100) / 100);
  const run: Run = {
    date,
    durationS: (performance.now() - started) / 1000,
    settings: { ...settings, only: [...settings.only] },
    machine,
    scenarios: reports,
  };
  log(renderText(run));
  const partial = settings.quick || settings.only.size < Object.keys(SCENARIOS).length;
  const dir = fileURLToPath(new URL(partial ? './results/smoke' : './results', import.meta.url));
  const written = writeRun(run, dir);
  log(
    `\nWrote ${written.map((p) => p.replace(/^.*\/bench\//, 'bench/')).join(', ')}${partial ? ' (a smoke or partial run: not the kept results)' : ''}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
