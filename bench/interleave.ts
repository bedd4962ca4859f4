// Runs load candidates side by side: a warm-up for each, then interleaved rounds (A B C A B C …),
// so that a noisy neighbour on the machine hits every candidate alike.
import { type Candidate, measureWindow, type Window } from './load.ts';
import type { BenchSettings } from './settings.ts';
import { median, percentile, sum } from './stats.ts';

export interface CandidateSummary {
  name: string;
  rounds: { reqPerSec: number; serverCpuUsPerReq: number; sandboxCpuUsPerReq: number; requests: number }[];
  medianReqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUsPerReq: number;
  sandboxCpuUsPerReq: number;
  requests: number;
  errors: number;
  firstError: string | null;
}

export async function runInterleaved(
  candidates: readonly Candidate[],
  settings: BenchSettings,
  log: (line: string) => void,
  windowMs = settings.windowMs,
): Promise<CandidateSummary[]> {
  const load = (candidate: Candidate) => ({
    workers: candidate.connections ?? settings.workers,
    maxRequests: settings.maxRequestsPerWindow,
  });
  for (const candidate of candidates) {
    const warm = await measureWindow(candidate, { ...load(candidate), durationMs: settings.warmupMs });
    log(
      `  warm-up ${candidate.name}: ${warm.reqPerSec.toFixed(0)} req/s${warm.errors ? `, ${warm.errors} errors (${warm.firstError})` : ''}`,
    );
  }
  const windows: Window[][] = candidates.map(() => []);
  for (let round = 1; round <= settings.rounds; round++) {
    const line: string[] = [];
    for (const [i, candidate] of candidates.entries()) {
      const window = await measureWindow(candidate, { ...load(candidate), durationMs: windowMs });
      windows[i]?.push(window);
      line.push(`${candidate.name} ${window.reqPerSec.toFixed(0)}`);
    }
    log(`  round ${round}/${settings.rounds} req/s: ${line.join(', ')}`);
  }
  return candidates.map((candidate, i) => summarise(candidate.name, windows[i] ?? []));
}

function summarise(name: string, windows: readonly Window[]): CandidateSummary {
  const latencies = windows.flatMap((w) => w.latenciesMs);
  const requests = sum(windows.map((w) => w.requests));
  // CPU per request over all rounds: total CPU / total requests.
  const weighted = (pick: (w: Window) => number) =>
    requests === 0 ? Number.NaN : sum(windows.map((w) => pick(w) * w.requests)) / requests;
  return {
    name,
    rounds: windows.map((w) => ({
      reqPerSec: round1(w.reqPerSec),
      serverCpuUsPerReq: round1(w.serverCpuUsPerReq),
      sandboxCpuUsPerReq: round1(w.sandboxCpuUsPerReq),
      requests: w.requests,
    })),
    medianReqPerSec: median(windows.map((w) => w.reqPerSec)),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    serverCpuUsPerReq: weighted((w) => w.serverCpuUsPerReq),
    sandboxCpuUsPerReq: weighted((w) => w.sandboxCpuUsPerReq),
    requests,
    errors: sum(windows.map((w) => w.errors)),
    firstError: windows.find((w) => w.firstError !== null)?.firstError ?? null,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
