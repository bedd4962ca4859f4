// How long and how hard the bench runs. The full run stays around six and a half minutes on a
// 2-core machine (scenario 1's eight candidates take about two and a half of them); BENCH_QUICK=1
// is a ~1 minute smoke run whose figures are not kept as results.

export const SCENARIO_IDS = [
  'overhead',
  'round-trip',
  'dedupe',
  'deep-paging',
  'growth',
  'pdf',
  'hostile',
  'joins',
  'redis-outage',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface BenchSettings {
  quick: boolean;
  /** Scenarios to run (BENCH_ONLY=overhead,growth); all when unset. */
  only: ReadonlySet<ScenarioId>;
  /** Closed-loop load: warm-up per candidate, then `rounds` interleaved windows of `windowMs`. */
  warmupMs: number;
  windowMs: number;
  rounds: number;
  workers: number;
  /** Scenario 1's connection counts: direct, proxy and facade are measured at each, in one rotation. */
  overheadConnections: readonly number[];
  maxRequestsPerWindow: number;
  /** One-at-a-time samples per candidate (round trip, dedupe). */
  samples: number;
  /** Interleaved rounds of whole walks (deep paging) and of concurrent downloads (PDF). */
  walkRounds: number;
  pdfRounds: number;
  /** Rounds of concurrent oversized requests (hostile burst). */
  hostileRounds: number;
}

/** 8 is what every load scenario uses; 20 is the concurrency scenario 1's target is set at. */
const OVERHEAD_CONNECTIONS = [8, 20] as const;

export function readSettings(env: Record<string, string | undefined>): BenchSettings {
  const quick = env['BENCH_QUICK'] === '1' || env['BENCH_QUICK'] === 'true';
  const requested = (env['BENCH_ONLY'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = requested.filter((id) => !SCENARIO_IDS.some((known) => known === id));
  if (unknown.length > 0)
    throw new Error(`BENCH_ONLY: unknown scenario ${unknown.join(', ')}; use ${SCENARIO_IDS.join(', ')}`);
  const only = new Set(SCENARIO_IDS.filter((id) => requested.length === 0 || requested.includes(id)));
  return quick
    ? {
        quick,
        only,
        warmupMs: 1_000,
        windowMs: 1_500,
        rounds: 2,
        workers: 8,
        overheadConnections: OVERHEAD_CONNECTIONS,
        maxRequestsPerWindow: 200_000,
        samples: 5,
        walkRounds: 1,
        pdfRounds: 1,
        hostileRounds: 2,
      }
    : {
        quick,
        only,
        warmupMs: 3_000,
        windowMs: 3_000,
        rounds: 5,
        workers: 8,
        overheadConnections: OVERHEAD_CONNECTIONS,
        maxRequestsPerWindow: 500_000,
        samples: 15,
        walkRounds: 3,
        pdfRounds: 3,
        hostileRounds: 5,
      };
}
