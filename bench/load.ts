// A bounded closed-loop load generator: N workers, each sending its next request as soon as the
// last one is answered, until the time or the request budget runs out.
import { Pool } from 'undici';
import type { ChildServer } from './children.ts';
import type { BenchStack } from './stack.ts';

export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Returns null when the answer is what was asked for, else what is wrong with it. */
export type AnswerCheck = (status: number, body: string) => string | null;

export interface LoadOptions {
  pool: Pool;
  workers: number;
  durationMs: number;
  /** A hard bound on the requests one window sends, whatever the time. */
  maxRequests: number;
  call: () => HttpCall;
  check: AnswerCheck;
  /** Check every n-th answer in full (status is always checked). */
  checkEvery?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  latenciesMs: number[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { pool, workers, durationMs, maxRequests, call, check } = options;
  const checkEvery = options.checkEvery ?? 25;
  const latenciesMs: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const deadline = started + durationMs;

  const fail = (problem: string) => {
    errors++;
    firstError ??= problem;
  };

  async function worker(): Promise<void> {
    while (performance.now() < deadline && issued < maxRequests) {
      const n = issued++;
      const { method, path, headers, body } = call();
      const t0 = performance.now();
      try {
        const res = await pool.request({ method, path, headers, ...(body === undefined ? {} : { body }) });
        const text = await res.body.text();
        latenciesMs.push(performance.now() - t0);
        if (res.statusCode !== 200) fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
        else if (n % checkEvery === 0) {
          const problem = check(res.statusCode, text);
          if (problem !== null) fail(problem);
        }
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
      }
    }
  }

  await Promise.all(Array.from({ length: workers }, () => worker()));
  return { requests: latenciesMs.length, errors, firstError, elapsedMs: performance.now() - started, latenciesMs };
}

export interface Candidate {
  name: string;
  pool: Pool;
  /** Concurrent workers, one per pool connection; the bench's `workers` setting when unset. */
  connections?: number;
  call: () => HttpCall;
  check: AnswerCheck;
  /** The server under test (its CPU is the candidate's cost), null when the client calls the floor directly. */
  server: ChildServer | null;
  /** The upstream every candidate shares. */
  sandbox: ChildServer;
}

export interface Window {
  requests: number;
  errors: number;
  firstError: string | null;
  reqPerSec: number;
  latenciesMs: number[];
  /** CPU time per request of the server under test (µs); 0 for a direct call. */
  serverCpuUsPerReq: number;
  sandboxCpuUsPerReq: number;
}

/** One measured window of closed-loop load on a candidate, with the CPU each process spent. */
export async function measureWindow(
  candidate: Candidate,
  load: { workers: number; durationMs: number; maxRequests: number },
): Promise<Window> {
  const [serverBefore, sandboxBefore] = await Promise.all([candidate.server?.stats(), candidate.sandbox.stats()]);
  const result = await runLoad({ pool: candidate.pool, call: candidate.call, check: candidate.check, ...load });
  const [serverAfter, sandboxAfter] = await Promise.all([candidate.server?.stats(), candidate.sandbox.stats()]);
  const per = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined || result.requests === 0 ? 0 : (after - before) / result.requests;
  return {
    requests: result.requests,
    errors: result.errors,
    firstError: result.firstError,
    reqPerSec: (result.requests / result.elapsedMs) * 1000,
    latenciesMs: result.latenciesMs,
    serverCpuUsPerReq: per(serverBefore?.cpuUs, serverAfter?.cpuUs),
    sandboxCpuUsPerReq: per(sandboxBefore.cpuUs, sandboxAfter.cpuUs),
  };
}

export function createPool(origin: string, connections: number): Pool {
  return new Pool(origin, { connections, keepAliveTimeout: 30_000, pipelining: 1 });
}

/**
 * The profiling tools' load on a stack's facade: one call, closed-loop over `workers` keep-alive
 * connections, `warmupMs` first, then one measured window (`measureWindow`). `atEdge` runs just
 * before the window starts and just after it ends.
 */
export async function loadFacadeWindow(options: {
  stack: Pick<BenchStack, 'facade' | 'sandbox' | 'facadeOrigin'>;
  workers: number;
  call: () => HttpCall;
  warmupMs: number;
  windowMs: number;
  atEdge?: (edge: 'start' | 'end') => void;
}): Promise<Window> {
  const { stack, workers, call } = options;
  const pool = createPool(stack.facadeOrigin, workers);
  const maxRequests = 1_000_000;
  try {
    await runLoad({ pool, workers, durationMs: options.warmupMs, maxRequests, call, check: () => null });
    options.atEdge?.('start');
    const candidate: Candidate = {
      name: 'facade',
      pool,
      call,
      check: () => null,
      server: stack.facade,
      sandbox: stack.sandbox,
    };
    const window = await measureWindow(candidate, { workers, durationMs: options.windowMs, maxRequests });
    options.atEdge?.('end');
    return window;
  } finally {
    await pool.close();
  }
}
