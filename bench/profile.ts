// `npx tsx bench/profile.ts [overhead|overhead-edges|growth|growth-100|edges]`: the facade under --cpu-prof
// with closed-loop load of one operation (scenario 1's by default), then where its CPU went in the
// measured window (start-up and warm-up left out): self time by package/module and by function.
// The .cpuprofile stays in bench/profiles/ (not kept) for Chrome DevTools. The facade is this
// tree's build, made fresh first: functions show as dist/… with the compiled file's line numbers.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildFacade } from './children.ts';
import { loadFacadeWindow } from './load.ts';
import { PROFILED_OPERATIONS } from './queries.ts';
import { graphqlCall, startStack } from './stack.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

function summarise(profile: CpuProfile, requests: number, fromUs: number, toUs: number): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= fromUs && at <= toUs) self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`profiled window: ${(total / 1e6).toFixed(1)} s of samples`);
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = moduleOf(frame.url, frame.functionName);
    const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byModule.set(where, (byModule.get(where) ?? 0) + us);
    const area = areaOf(where, frame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const show = (title: string, map: Map<string, number>, n: number) => {
    console.log(`\n${title}`);
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      console.log(
        `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / requests).toFixed(1).padStart(7)} µs/req  ${key}`,
      );
    }
  };
  show('Self time by area (rough: each module or native function assigned to one concern)', byArea, 20);
  show('Self time by module', byModule, 25);
  show('Self time by function', byFunction, 40);
  show("Inclusive time of the facade's own functions (src/)", inclusiveOfSource(profile, self, byId), 30);
}

/** Time spent in each src/ function including everything it called (each sample counted once per function). */
function inclusiveOfSource(
  profile: CpuProfile,
  self: Map<number, number>,
  byId: Map<number, ProfileNode>,
): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || !/\/(src|dist)\//.test(frame.url)) continue;
      const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  return inclusive;
}

function moduleOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return url;
  const src = /\/(src|dist|bench)\/(.*)$/.exec(url);
  if (!src) return url;
  // The build's modules count as their sources: dist/x.js is src/x.ts compiled.
  return src[1] === 'dist' ? `src/${src[2]?.replace(/\.js$/, '.ts')}` : `${src[1]}/${src[2]}`;
}

const AREAS: [string, RegExp][] = [
  ['GraphQL server (yoga, whatwg-node, envelop)', /^(graphql-yoga|@whatwg-node\/|@envelop\/|@graphql-yoga\/)/],
  ['GraphQL execution (graphql-js, graphql-tools, Pothos)', /^(graphql|@graphql-tools\/|@pothos\/|src\/schema\/)/],
  ['logging (pino)', /^(pino|@pinojs\/|sonic-boom|src\/logging\/)/],
  ['metrics and tracing', /^(prom-client|bintrees|tdigest|@opentelemetry\/|src\/ops\/)/],
  [
    'abort signals and timers',
    /^(node:internal\/abort_controller|node:internal\/per_context\/domexception|node:internal\/event_target|node:internal\/timers|src\/partner\/resilience\/deadline)/,
  ],
  ['upstream client (undici, resilience)', /^(undici|src\/partner\/http|src\/partner\/resilience\/)/],
  ['upstream parsing (JSON, zod, adapters)', /^(zod|src\/partner\/|JSON)/],
  ['paging and cursors (incl. HMAC)', /^(src\/pagination\/|dataloader|node:internal\/crypto\/)/],
  [
    'HTTP server, streams, events',
    /^(node:_http|node:internal\/streams\/|node:net|node:events|node:internal\/http|src\/http\/|src\/app)/,
  ],
  ['rate limit and operation limits', /^(src\/limits\/|@escape\.tech\/)/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['idle', /^\((idle|program)\)$/],
];
const SYSCALL_WRITES = new Set([
  'writev',
  'writeString',
  'writeLatin1String',
  'writeUtf8String',
  'writeBuffer',
  'writeAsciiString',
]);

function areaOf(module: string, fn: string): string {
  if (module === '(native)' && SYSCALL_WRITES.has(fn)) return 'socket and log writes (syscalls)';
  if (module === '(native)' && fn === 'parse') return 'upstream parsing (JSON, zod, adapters)';
  return (
    AREAS.find(([, pattern]) => pattern.test(module))?.[0] ??
    `other (${module.startsWith('node:') ? 'node internals' : module})`
  );
}

function shortUrl(url: string): string {
  return url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|dist|bench)\//, '$1/');
}

async function main(): Promise<void> {
  const seconds = Number(process.env['PROFILE_SECONDS'] ?? '10');
  const which = process.argv[2] ?? 'overhead';
  const operation = PROFILED_OPERATIONS[which];
  if (!operation) throw new Error(`unknown operation ${which}; use ${Object.keys(PROFILED_OPERATIONS).join(', ')}`);
  const { query, variables } = operation;
  const dir = fileURLToPath(new URL('./profiles/', import.meta.url));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  buildFacade();

  const stack = await startStack({
    sandbox: { customers: 300, invoices: 2_000, subscriptions: 300 },
    facadeNodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  // PROFILE_WORKERS: keep-alive connections of the closed-loop load (scenario 1 measures 8 and 20).
  const workers = Number(process.env['PROFILE_WORKERS'] ?? '8');
  const warmupMs = Number(process.env['PROFILE_WARMUP_SECONDS'] ?? '3') * 1000;
  // The window's edges on the monotonic clock, which the profile's timestamps are on too.
  const edges = { start: 0, end: 0 };
  const result = await loadFacadeWindow({
    stack,
    workers,
    call: () => graphqlCall(stack.token, query, variables),
    warmupMs,
    windowMs: seconds * 1000,
    atEdge: (edge) => {
      edges[edge] = Number(process.hrtime.bigint() / 1000n);
    },
  });
  await stack.stop();
  console.log(
    `${result.requests} requests (${result.reqPerSec.toFixed(0)} req/s), ` +
      `facade CPU ${result.serverCpuUsPerReq.toFixed(0)} µs/req, ${result.errors} errors`,
  );

  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile was written');
  // Only the samples taken during the measured window: start-up and warm-up are left out.
  summarise(JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as CpuProfile, result.requests, edges.start, edges.end);
  console.log(`\nprofile: bench/profiles/${file}`);
}

await main();
