// Scenario 6: PDF. 20 concurrent downloads of a 10 MB invoice PDF through the facade's download
// route (a link from `Invoice.pdfUrl`), against the same 20 fetched from the sandbox directly:
// throughput, and the facade process's peak resident memory.
import type { Pool } from 'undici';
import { WHOLE_PDF_MAX_BYTES } from '../../src/downloads/route.ts';
import { residentMemory, sampleResidentMemory } from '../proc.ts';
import type { ScenarioReport } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { type BenchStack, createPool, graphqlCall, send, startStack } from '../stack.ts';
import { fixed, mb, median, ms, ratio, times } from '../stats.ts';

const PDF_BYTES = 10 * 1024 * 1024;
const DOWNLOADS = 20;
const TARGET_RSS_BYTES = 150 * 1024 * 1024;
const LINK_QUERY = '{ invoices(first: 1) { nodes { id pdfUrl } } }';

interface Burst {
  ms: number;
  /** Bytes of PDF delivered: decoded bytes through the facade, base64 text direct. */
  bytes: number;
  failures: string[];
}

async function burst(
  pool: Pool,
  paths: readonly string[],
  headers: Record<string, string>,
  rawPdf: boolean,
): Promise<Burst> {
  const failures: string[] = [];
  let bytes = 0;
  const t0 = performance.now();
  await Promise.all(
    paths.map(async (path) => {
      const res = await pool.request({ method: 'GET', path, headers });
      let first: Buffer | null = null;
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        first ??= chunk;
        size += chunk.length;
      }
      const magic = rawPdf ? '%PDF-' : 'JVBERi0';
      if (res.statusCode !== 200) failures.push(`HTTP ${res.statusCode}`);
      else if (!first?.subarray(0, magic.length).toString('latin1').startsWith(magic)) failures.push('not a PDF');
      bytes += size;
    }),
  );
  return { ms: performance.now() - t0, bytes, failures };
}

/** Mints a fresh link per download (the links are capabilities; each could be single-use). */
async function mintLinks(stack: BenchStack, pool: Pool, n: number): Promise<string[] | { unavailable: string }> {
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const answer = await send(pool, graphqlCall(stack.token, LINK_QUERY));
    const body = answer.json as {
      data?: { invoices?: { nodes?: { id: string; pdfUrl?: string | null }[] } };
      errors?: { message: string }[];
    };
    if (body.errors?.length) return { unavailable: body.errors.map((e) => e.message).join('; ') };
    const node = body.data?.invoices?.nodes?.[0];
    if (!node?.pdfUrl) return { unavailable: 'Invoice.pdfUrl gave no link' };
    const url = new URL(node.pdfUrl, stack.facadeOrigin);
    paths.push(`${url.pathname}${url.search}`);
  }
  return paths;
}

function unavailable(reason: string): ScenarioReport {
  return {
    id: 'pdf',
    title: '6. PDF',
    about: `${DOWNLOADS} concurrent downloads of a 10 MB invoice PDF through \`Invoice.pdfUrl\` and the download route.`,
    available: false,
    tables: [],
    targets: [
      {
        target: 'facade peak RSS under 150 MB during 20 concurrent 10 MB downloads',
        measured: 'not available',
        met: null,
        note: reason,
      },
    ],
    notes: [`Not available: ${reason}`],
    data: { available: false, reason },
  };
}

function runtimeNote(runtime: string): string {
  if (runtime.endsWith('dist/main.js'))
    return `the facade runs as \`npm run start:prod\` does (\`${runtime}\`, the build)`;
  return `the facade runs as \`${runtime}\` (no build in that checkout; tsx alone adds ~45 MB: a loader thread with its own isolate)`;
}

export const pdf: Scenario = async ({ settings, log }) => {
  const stack = await startStack({
    sandbox: { invoices: 50, customers: 20, subscriptions: 20, largePdfBytes: PDF_BYTES },
  });
  const facade = createPool(stack.facadeOrigin, DOWNLOADS);
  const direct = createPool(stack.sandboxOrigin, DOWNLOADS);
  try {
    const probe = await mintLinks(stack, facade, 1);
    if ('unavailable' in probe) return unavailable(probe.unavailable);
    const invoiceId = stack.invoiceIds[0];
    if (!invoiceId) throw new Error('the sandbox announced no invoice ids');
    const directPaths = Array.from({ length: DOWNLOADS }, () => `/api/partner/invoices/file/${invoiceId}`);
    const auth = { authorization: `Bearer ${stack.token}` };
    const rssBefore = residentMemory(stack.facade.pid);
    const direct0: Burst[] = [];
    const facade0: Burst[] = [];
    const sampledPeaks: number[] = [];
    for (let round = 0; round <= settings.pdfRounds; round++) {
      const d = await burst(direct, directPaths, auth, false);
      const links = await mintLinks(stack, facade, DOWNLOADS);
      if ('unavailable' in links) return unavailable(links.unavailable);
      const sampler = sampleResidentMemory(stack.facade.pid);
      const f = await burst(facade, links, {}, true);
      sampledPeaks.push(sampler.stop());
      if (f.failures.length > 0 || d.failures.length > 0)
        throw new Error(`PDF downloads failed: ${[...f.failures, ...d.failures].slice(0, 3).join(', ')}`);
      if (round === 0) continue; // the first round warms up
      direct0.push(d);
      facade0.push(f);
      log(
        `  round ${round}: direct ${ms(d.ms)}, facade ${ms(f.ms)}, facade RSS peak ${mb(sampledPeaks.at(-1) ?? Number.NaN)}`,
      );
    }
    const rssAfter = residentMemory(stack.facade.pid);
    const sandboxRss = residentMemory(stack.sandbox.pid);
    const peak = rssAfter?.peakBytes ?? Math.max(...sampledPeaks);
    const idle = rssBefore?.currentBytes ?? Number.NaN;
    const added = Math.max(...sampledPeaks) - idle;
    const directMs = median(direct0.map((b) => b.ms));
    const facadeMs = median(facade0.map((b) => b.ms));
    const pdfMBps = (wall: number) => (DOWNLOADS * PDF_BYTES) / 1024 / 1024 / (wall / 1000);
    const runtime = String(stack.facade.details['runtime'] ?? 'unknown');
    const report: ScenarioReport = {
      id: 'pdf',
      title: '6. PDF',
      about:
        `${DOWNLOADS} concurrent downloads of the same 10 MB invoice PDF. Through the facade: a fresh link per download from \`Invoice.pdfUrl\`, ` +
        `then \`GET\` the link (the facade decodes the upstream's base64 body as it arrives and streams the PDF on). Direct: \`GET /partner/invoices/file/{id}\` ` +
        `from the sandbox (the base64 text, a third larger, which the client would still have to decode). ${settings.pdfRounds} measured rounds after one warm-up round, ` +
        `in a facade process of its own (\`${runtime}\`), so its peak RSS (VmHWM) is this scenario's.`,
      available: true,
      tables: [
        {
          columns: [
            'candidate',
            `wall time for ${DOWNLOADS} (median)`,
            'PDFs/s',
            'PDF MB/s',
            'vs direct',
            'bytes on the wire per PDF',
          ],
          rows: [
            [
              'direct from the sandbox (base64)',
              ms(directMs),
              fixed((DOWNLOADS / directMs) * 1000, 1),
              fixed(pdfMBps(directMs), 0),
              '1.00×',
              mb((direct0[0]?.bytes ?? 0) / DOWNLOADS),
            ],
            [
              'facade download route',
              ms(facadeMs),
              fixed((DOWNLOADS / facadeMs) * 1000, 1),
              fixed(pdfMBps(facadeMs), 0),
              times(ratio(directMs, facadeMs)),
              mb((facade0[0]?.bytes ?? 0) / DOWNLOADS),
            ],
          ],
        },
        {
          columns: [
            'process',
            'RSS idle, before the first download',
            'peak RSS (VmHWM)',
            'highest sampled RSS during a burst',
            'added by the downloads',
          ],
          rows: [
            ['facade', mb(idle), mb(peak), mb(Math.max(...sampledPeaks)), mb(added)],
            ['sandbox (for scale)', '—', mb(sandboxRss?.peakBytes ?? Number.NaN), '—', '—'],
          ],
        },
      ],
      targets: [
        {
          target: 'facade peak RSS under 150 MB during 20 concurrent 10 MB downloads',
          measured: mb(peak),
          met: peak < TARGET_RSS_BYTES,
          note:
            `${runtimeNote(runtime)}; idle ${mb(idle)}, and the 20 downloads add ${mb(added)}: at most PDF_MAX_CONCURRENT (default 4) stream at once, ` +
            `each holding at most ${mb(WHOLE_PDF_MAX_BYTES)} of PDF plus what is in flight, and the upstream is read no faster than the client takes the file`,
        },
      ],
      notes: [
        'Throughput "vs direct" is direct wall time / facade wall time (1.00× = as fast as fetching the base64 text straight from the sandbox).',
        "Peak RSS (VmHWM) covers the facade process's whole life, start-up included: its first upstream call costs a transient ~36 MB " +
          "(V8 optimising undici's llhttp WebAssembly), which can set the peak rather than the downloads; the highest sampled RSS during a burst is the downloads' own.",
      ],
      data: {
        runtime,
        rssBeforeBytes: rssBefore?.currentBytes,
        peakRssBytes: peak,
        addedBytes: added,
        sampledPeaks,
        direct: direct0,
        facade: facade0,
        sandboxPeakRssBytes: sandboxRss?.peakBytes,
      },
    };
    return report;
  } finally {
    await Promise.all([facade.close(), direct.close()]);
    await stack.stop();
  }
};
