import type { Pool } from 'undici';
import type { SandboxAdmin } from './admin.ts';
import type { HttpCall } from './load.ts';
import type { ScenarioReport } from './report.ts';
import type { BenchSettings } from './settings.ts';
import type { BenchStack } from './stack.ts';
import { send } from './stack.ts';

export interface ScenarioContext {
  settings: BenchSettings;
  log(line: string): void;
  /** The stack scenarios share (sandbox with 2,000 invoices, proxy, facade); started on first use. */
  mainStack(): Promise<BenchStack>;
}

export type Scenario = (context: ScenarioContext) => Promise<ScenarioReport>;

/** Upstream calls per request: the sandbox's call record over `n` requests sent one at a time. */
export async function upstreamCallsPer(admin: SandboxAdmin, pool: Pool, call: HttpCall, n: number): Promise<number> {
  await admin.clearCalls();
  for (let i = 0; i < n; i++) {
    const answer = await send(pool, call);
    if (answer.status !== 200) throw new Error(`probe request failed: HTTP ${answer.status}`);
  }
  return (await admin.calls()).length / n;
}
