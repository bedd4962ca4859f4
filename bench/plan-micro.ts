// `NODE_ENV=production npx tsx bench/plan-micro.ts`: CPU per operation of scenario 1's two shapes over a 20-customer
// page already at hand (no HTTP, no upstream), answered in full (Yoga's executor, then
// JSON.stringify) and from the compiled plan (then its text), interleaved three times. What the
// plan saves apart from the rest of the request.
import { REPO_ROOT } from './children.ts';
import { PROFILED_OPERATIONS } from './queries.ts';

const root = REPO_ROOT;
const OPERATIONS = ['overhead', 'overhead-edges'];
const RUNS = 20_000;

async function harness() {
  const { parse } = await import('graphql');
  const { normalizedExecutor } = await import('@graphql-tools/executor');
  const { schema } = await import(`${root}/src/schema/index.ts`);
  const { createPager } = await import(`${root}/src/pagination/pager.ts`);
  const { createCursorCodec } = await import(`${root}/src/pagination/cursor.ts`);
  const { createKeptPages } = await import(`${root}/src/pagination/kept-pages.ts`);
  const plans = await import(`${root}/src/graphql/plan/compile.ts`).catch(() => null);
  const run = await import(`${root}/src/graphql/plan/run.ts`).catch(() => null);
  const records = Array.from({ length: 20 }, (_, i) => ({
    id: `cus-${i}`,
    name: `Customer ${i}`,
    firstName: null,
    lastName: null,
    email: `c${i}@example.com`,
    createdAt: '2025-06-30T11:50:21.647Z',
    updatedAt: null,
    extra: {},
  }));
  const page = { records, next: 'token', total: 300 };
  const cursors = createCursorCodec('bench-cursor-secret-0123456789abcdefghijklmnop');
  const keptPages = createKeptPages({ ttlMs: 30_000, maxEntries: 1_000 });
  const contextValue = () => ({
    pager: createPager({
      cursors,
      keptPages,
      owner: { callerKey: 'caller', token: 'token' },
      limits: { defaultFirst: 20, maxFirst: 500 },
    }),
    partner: () => ({ searchCustomers: async () => page }),
  });
  return { parse, normalizedExecutor, schema, plans, run, contextValue };
}

async function measure(operation: string): Promise<{ full: number; plan: number | null }> {
  const h = await harness();
  const chosen = PROFILED_OPERATIONS[operation];
  if (!chosen) throw new Error(`unknown operation ${operation}`);
  const document = h.parse(chosen.query);
  const args = () => ({ schema: h.schema, document, contextValue: h.contextValue(), variableValues: {} });
  const cpu = async (once: () => Promise<string>) => {
    for (let i = 0; i < 2_000; i++) await once();
    const before = process.cpuUsage();
    for (let i = 0; i < RUNS; i++) await once();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / RUNS;
  };
  const full = await cpu(async () => JSON.stringify(await h.normalizedExecutor(args())));
  const plan = h.plans?.compilePlan(h.schema, document, undefined);
  const planned = plan && h.run ? await cpu(async () => (await h.run.runPlan(plan, args()))?.text() ?? '') : null;
  return { full, plan: planned };
}

for (const operation of OPERATIONS) {
  for (let round = 1; round <= 3; round++) {
    const { full, plan } = await measure(operation);
    console.log(
      `${operation} round ${round}: full ${full.toFixed(1)} µs, plan ${plan === null ? '—' : `${plan.toFixed(1)} µs`}`,
    );
  }
}
