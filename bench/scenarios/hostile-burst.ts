// Scenario 7: hostile burst. Rounds of concurrent oversized POSTs to /graphql (5 MB bodies, half
// with a declared Content-Length, half chunked) against a facade in a process of its own, with
// valid operations in between: every oversized request must be refused without being buffered
// whole, the valid ones must still answer, and the facade's RSS must stay within 100 MB of idle.
import { readFileSync } from 'node:fs';
import { type ClientRequest, request } from 'node:http';
import type { Socket } from 'node:net';
import type { Pool } from 'undici';
import { residentMemory, sampleResidentMemory } from '../proc.ts';
import type { ScenarioReport } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { createPool, graphqlCall, graphqlData, send, startStack } from '../stack.ts';
import { mb, median, ms } from '../stats.ts';

const LIMIT_BYTES = 1024 * 1024;
const BODY_BYTES = 5 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const CONCURRENT = 16;
const VALID_DURING = 2;
const VALID_AFTER = 1;
const REQUEST_TIMEOUT_MS = 10_000;
const TARGET_GROWTH_BYTES = 100 * 1024 * 1024;
const VALID_QUERY = '{ customers(first: 20) { nodes { id name email } } }';

type Mode = 'content-length' | 'chunked';

/** What happened to one oversized request, as the client saw it. */
interface Outcome {
  mode: Mode;
  /** The status the server answered with, null when the connection ended without one. */
  status: number | null;
  /** The first socket or write error (ECONNRESET, EPIPE, …), null when there was none. */
  error: string | null;
  /** The error came after a status had been received. */
  errorAfterStatus: boolean;
  timedOut: boolean;
  /** The client managed to write the whole 5 MB and end the request. */
  wholeBodyWritten: boolean;
  /** Bytes the client's socket accepted (headers included; the server read at most this much). */
  bytesWritten: number;
  ms: number;
}

type Verdict = '413' | 'reset' | 'failure';

function verdictOf(o: Outcome): Verdict {
  if (o.timedOut) return 'failure';
  if (o.status === 413) return '413';
  if (o.status === null && o.error !== null) return 'reset';
  return 'failure';
}

function describe(o: Outcome): string {
  return `${o.mode}: ${o.timedOut ? 'timed out' : o.status === null ? `no status (${o.error ?? 'closed'})` : `HTTP ${o.status}`}`;
}

/** One 64 KB piece of the oversized body: the start of a JSON operation, then padding. */
const CHUNK = Buffer.alloc(CHUNK_BYTES, 'x');
CHUNK.write('{"query":"{ __typename }","variables":{"pad":"');

/** Writes BODY_BYTES in CHUNK_BYTES pieces, waiting for drain; stops as soon as the request is done for. */
async function pump(req: ClientRequest): Promise<boolean> {
  let sent = 0;
  while (sent < BODY_BYTES) {
    if (req.destroyed || req.writableEnded) return false;
    const n = Math.min(CHUNK_BYTES, BODY_BYTES - sent);
    sent += n;
    if (!req.write(n === CHUNK_BYTES ? CHUNK : CHUNK.subarray(0, n))) {
      const drained = await new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => () => {
          req.off('drain', onDrain);
          req.off('close', onClose);
          resolve(ok);
        };
        const onDrain = done(true);
        const onClose = done(false);
        req.once('drain', onDrain);
        req.once('close', onClose);
      });
      if (!drained) return false;
    }
  }
  if (req.destroyed) return false;
  req.end();
  return true;
}

/** One oversized POST on a connection of its own (node:http, no agent), bounded by REQUEST_TIMEOUT_MS. */
function oversized(origin: URL, token: string, mode: Mode): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${token}`,
    };
    if (mode === 'content-length') headers['content-length'] = String(BODY_BYTES);
    else headers['transfer-encoding'] = 'chunked';
    const outcome: Outcome = {
      mode,
      status: null,
      error: null,
      errorAfterStatus: false,
      timedOut: false,
      wholeBodyWritten: false,
      bytesWritten: 0,
      ms: 0,
    };
    let socket: Socket | null = null;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome.bytesWritten = socket?.bytesWritten ?? 0;
      outcome.ms = performance.now() - t0;
      resolve(outcome);
    };
    const req = request({
      host: origin.hostname,
      port: origin.port,
      method: 'POST',
      path: '/graphql',
      headers,
      agent: false,
    });
    const timer = setTimeout(() => {
      outcome.timedOut = true;
      req.destroy(new Error('timed out'));
      setImmediate(finish);
    }, REQUEST_TIMEOUT_MS);
    req.on('socket', (s: Socket) => {
      socket = s;
      s.once('close', () => setImmediate(finish));
    });
    req.on('response', (res) => {
      outcome.status = res.statusCode ?? null;
      res.on('error', () => {});
      res.resume();
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (outcome.error !== null) return;
      outcome.error = error.code ?? error.message;
      outcome.errorAfterStatus = outcome.status !== null;
      setImmediate(finish);
    });
    pump(req).then(
      (whole) => {
        outcome.wholeBodyWritten = whole;
      },
      () => {},
    );
  });
}

interface ValidResult {
  ok: boolean;
  ms: number;
  problem: string | null;
}

async function valid(pool: Pool, token: string): Promise<ValidResult> {
  const t0 = performance.now();
  try {
    const answer = await send(pool, graphqlCall(token, VALID_QUERY));
    if (answer.status !== 200) return { ok: false, ms: answer.ms, problem: `HTTP ${answer.status}` };
    const nodes = (graphqlData(answer)['customers'] as { nodes?: unknown[] } | undefined)?.nodes;
    if (!Array.isArray(nodes) || nodes.length === 0)
      return { ok: false, ms: answer.ms, problem: 'no customers in the data' };
    return { ok: true, ms: answer.ms, problem: null };
  } catch (error) {
    return { ok: false, ms: performance.now() - t0, problem: error instanceof Error ? error.message : String(error) };
  }
}

/** Bytes a process has passed to read() (sockets included): /proc/<pid>/io rchar; NaN where unreadable. */
function bytesRead(pid: number): number {
  try {
    return Number(/^rchar:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

const sleep = (msToWait: number) => new Promise<void>((resolve) => setTimeout(resolve, msToWait));

function row(label: string, outcomes: readonly Outcome[]): string[] {
  const count = (predicate: (o: Outcome) => boolean) => String(outcomes.filter(predicate).length);
  const refusedMs = outcomes.filter((o) => verdictOf(o) !== 'failure').map((o) => o.ms);
  const written = outcomes.map((o) => o.bytesWritten);
  return [
    label,
    String(outcomes.length),
    count((o) => verdictOf(o) === '413'),
    count((o) => verdictOf(o) === '413' && o.errorAfterStatus),
    count((o) => verdictOf(o) === 'reset'),
    count((o) => verdictOf(o) === 'failure'),
    count((o) => o.wholeBodyWritten),
    `${ms(median(refusedMs))} / ${ms(refusedMs.length ? Math.max(...refusedMs) : Number.NaN)}`,
    `${mb(median(written))} / ${mb(written.length ? Math.max(...written) : Number.NaN)}`,
  ];
}

export const hostileBurst: Scenario = async ({ settings, log }) => {
  const rounds = settings.hostileRounds;
  const stack = await startStack({
    sandbox: { invoices: 50, customers: 20, subscriptions: 20 },
    facadeEnv: { MAX_BODY_BYTES: String(LIMIT_BYTES) },
  });
  const pool = createPool(stack.facadeOrigin, VALID_DURING + VALID_AFTER);
  const origin = new URL(stack.facadeOrigin);
  try {
    // Warm the facade up (first GraphQL operations load and compile what they use), then let it settle.
    for (let i = 0; i < 5; i++) {
      const warm = await valid(pool, stack.token);
      if (!warm.ok) throw new Error(`warm-up operation failed: ${warm.problem}`);
    }
    await sleep(500);
    const idle = residentMemory(stack.facade.pid);
    if (!idle) throw new Error("cannot read the facade's /proc status (Linux only)");

    const outcomes: Outcome[] = [];
    const validResults: ValidResult[] = [];
    const sampledPeaks: number[] = [];
    const readBefore = bytesRead(stack.facade.pid);
    const modes: Mode[] = Array.from({ length: CONCURRENT }, (_, i) => (i % 2 === 0 ? 'content-length' : 'chunked'));
    for (let round = 1; round <= rounds; round++) {
      const sampler = sampleResidentMemory(stack.facade.pid);
      const t0 = performance.now();
      const burst = Promise.all(modes.map((mode) => oversized(origin, stack.token, mode)));
      // Valid operations while the burst is in flight, then one after it.
      await sleep(5);
      const during = await Promise.all(Array.from({ length: VALID_DURING }, () => valid(pool, stack.token)));
      const results = await burst;
      const wall = performance.now() - t0;
      const after: ValidResult[] = [];
      for (let i = 0; i < VALID_AFTER; i++) after.push(await valid(pool, stack.token));
      sampledPeaks.push(sampler.stop());
      outcomes.push(...results);
      validResults.push(...during, ...after);
      const n = (v: Verdict) => results.filter((o) => verdictOf(o) === v).length;
      log(
        `  round ${round}: ${results.length} oversized in ${ms(wall)}: ${n('413')} × 413, ${n('reset')} reset without a status, ${n('failure')} failed; ` +
          `valid ${[...during, ...after].filter((v) => v.ok).length}/${during.length + after.length} OK; facade RSS peak ${mb(sampledPeaks.at(-1) ?? Number.NaN)}`,
      );
      await sleep(100);
    }
    const readDuring = bytesRead(stack.facade.pid) - readBefore;
    const readPerOversized = readDuring / (rounds * CONCURRENT);
    await sleep(1_000);
    const end = residentMemory(stack.facade.pid);
    const alive = end !== null;
    const highestSampled = Math.max(...sampledPeaks);
    const peak = Math.max(end?.peakBytes ?? Number.NaN, highestSampled);
    const growth = peak - idle.currentBytes;
    const sampledGrowth = highestSampled - idle.currentBytes;

    const failures = outcomes.filter((o) => verdictOf(o) === 'failure');
    const refused413 = outcomes.filter((o) => verdictOf(o) === '413').length;
    const resets = outcomes.filter((o) => verdictOf(o) === 'reset').length;
    const resetsAfter413 = outcomes.filter((o) => verdictOf(o) === '413' && o.errorAfterStatus).length;
    const validOk = validResults.filter((v) => v.ok).length;
    const validProblems = validResults.filter((v) => !v.ok).map((v) => v.problem ?? 'failed');
    const wholeBodies = outcomes.filter((o) => o.wholeBodyWritten).length;
    const errorCodes = [...new Set(outcomes.map((o) => o.error).filter((e): e is string => e !== null))];
    const refusedOk = failures.length === 0 && validProblems.length === 0 && alive;
    const growthMet = alive && Number.isFinite(growth) ? growth <= TARGET_GROWTH_BYTES : false;
    const byMode = (mode: Mode) => outcomes.filter((o) => o.mode === mode);

    const report: ScenarioReport = {
      id: 'hostile',
      title: '7. Hostile burst',
      about:
        `${rounds} rounds of ${CONCURRENT} concurrent oversized \`POST /graphql\` requests (${mb(BODY_BYTES)} bodies against MAX_BODY_BYTES = ${mb(LIMIT_BYTES)}), ` +
        `each on a connection of its own: half declare \`Content-Length: ${BODY_BYTES}\` and send the whole body, half are \`Transfer-Encoding: chunked\` ` +
        `and stream it in ${CHUNK_BYTES / 1024} KB chunks. ${VALID_DURING} valid operations are sent while each burst is in flight and ${VALID_AFTER} after it. ` +
        'A refusal is an HTTP 413, or the connection reset or a write failing before any status (the server cut the body off). ' +
        "The facade runs in a process of its own (small sandbox), so its RSS and VmHWM are this scenario's alone; idle is its RSS after 5 warm-up operations.",
      available: true,
      tables: [
        {
          columns: [
            'oversized request',
            'sent',
            '413',
            'of which reset after the 413',
            'reset / write error without a status',
            'failed (other status, hung)',
            'whole 5 MB written by the client',
            'time to refusal (median / max)',
            'bytes the client got onto the socket (median / max)',
          ],
          rows: [
            row('declared Content-Length, 5 MB', byMode('content-length')),
            row('chunked, 5 MB in 64 KB chunks', byMode('chunked')),
            row('all', outcomes),
          ],
        },
        {
          columns: ['valid operation', 'sent', '200 with data', 'failed', 'latency (median / max)'],
          rows: [
            [
              'customers(first: 20), during and between the bursts',
              String(validResults.length),
              String(validOk),
              String(validProblems.length),
              `${ms(median(validResults.map((v) => v.ms)))} / ${ms(validResults.length ? Math.max(...validResults.map((v) => v.ms)) : Number.NaN)}`,
            ],
          ],
        },
        {
          columns: [
            'facade process',
            'RSS idle',
            'VmHWM at idle',
            'highest sampled RSS during the bursts',
            'peak RSS (VmHWM) after the bursts',
            'RSS 1 s after',
            'growth = peak − idle',
            'bytes read per oversized request',
          ],
          rows: [
            [
              'facade',
              mb(idle.currentBytes),
              mb(idle.peakBytes),
              mb(highestSampled),
              mb(end?.peakBytes ?? Number.NaN),
              mb(end?.currentBytes ?? Number.NaN),
              mb(growth),
              mb(readPerOversized),
            ],
          ],
        },
      ],
      targets: [
        {
          target: `every oversized request of a ${CONCURRENT}-wide burst refused (413 or reset), valid operations between them answer 200 with data`,
          measured: `${outcomes.length - failures.length}/${outcomes.length} refused (${refused413} × 413, ${resets} reset without a status); valid ${validOk}/${validResults.length} OK`,
          met: refusedOk,
          note: refusedOk
            ? `a body is refused once its declared length or its bytes pass ${mb(LIMIT_BYTES)}; the rest is read and dropped (up to 16 MB or 2 s) before the 413, so the client reads the answer instead of a reset`
            : !alive
              ? 'the facade process is gone after the bursts'
              : [
                  failures.length > 0
                    ? `${failures.length} oversized request(s) not refused: ${[...new Set(failures.map(describe))].slice(0, 3).join('; ')}`
                    : '',
                  validProblems.length > 0
                    ? `${validProblems.length} valid operation(s) failed: ${[...new Set(validProblems)].slice(0, 3).join('; ')}`
                    : '',
                ]
                  .filter(Boolean)
                  .join('; '),
        },
        {
          target: `facade RSS growth ≤ 100 MB over idle during ${rounds} × ${CONCURRENT} concurrent 5 MB requests`,
          measured: `${mb(growth)} (idle ${mb(idle.currentBytes)}, peak ${mb(peak)})`,
          met: alive ? growthMet : null,
          note: !alive
            ? 'the facade process is gone: no VmHWM to read'
            : growthMet
              ? `no oversized body is held whole: at most ${mb(LIMIT_BYTES)} of a body is kept before it is refused (${CONCURRENT} × ${mb(LIMIT_BYTES)} = ${mb(CONCURRENT * LIMIT_BYTES)} at worst); the rest is read and dropped as it arrives`
              : `the peak is ${mb(growth)} above idle (sampled RSS ${mb(sampledGrowth)} above): the bursts are being buffered beyond the ${mb(LIMIT_BYTES)} limit, or the idle figure is low against a startup high-water mark of ${mb(idle.peakBytes)}`,
        },
      ],
      notes: [
        "Growth uses the process's VmHWM, its lifetime peak (startup included), so it is an upper bound: " +
          `the highest RSS sampled every 10 ms during the bursts was ${mb(sampledGrowth)} above idle` +
          (end && end.peakBytes <= idle.peakBytes
            ? `, and the bursts never took the process above the high-water mark it had already reached while starting (${mb(idle.peakBytes)}).`
            : '.'),
        `Bytes read per oversized request: the facade's read() total over the bursts (/proc/<pid>/io rchar, which also counts the valid operations' upstream answers and IPC) ` +
          `divided by the ${rounds * CONCURRENT} oversized requests: ${mb(readPerOversized)} of each ${mb(BODY_BYTES)} body at most.`,
        `"Bytes the client got onto the socket" includes what sits unread in the loopback socket buffers; the server keeps at most ${mb(LIMIT_BYTES)} of a body before refusing it, and drops the rest as it reads it.`,
        `Client-side errors seen: ${errorCodes.length > 0 ? errorCodes.join(', ') : 'none'}. ${wholeBodies} of ${outcomes.length} clients wrote their whole 5 MB before the connection ended` +
          (resetsAfter413 > 0
            ? `; ${resetsAfter413} got the 413 and then a reset or write error while still sending (counted as 413).`
            : '.'),
      ],
      data: {
        rounds,
        concurrent: CONCURRENT,
        bodyBytes: BODY_BYTES,
        limitBytes: LIMIT_BYTES,
        idleRssBytes: idle.currentBytes,
        idlePeakBytes: idle.peakBytes,
        endRssBytes: end?.currentBytes,
        peakRssBytes: peak,
        growthBytes: growth,
        sampledGrowthBytes: sampledGrowth,
        facadeBytesReadDuringBursts: readDuring,
        sampledPeaks,
        refused413,
        resets,
        resetsAfter413,
        failures: failures.length,
        validOk,
        validSent: validResults.length,
        validProblems,
        outcomes,
      },
    };
    return report;
  } finally {
    await pool.close();
    await stack.stop();
  }
};
