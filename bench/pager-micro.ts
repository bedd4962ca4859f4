// `npx tsx bench/pager-micro.ts [checkout…]`: CPU per `pager.page()` of a 20-node first page (an
// upstream fetch that answers at once, every node read, no cursor), for each checkout given (this
// tree when none), interleaved three times. What allocation in the pager and connection builder costs,
// apart from HTTP and GraphQL.
import { REPO_ROOT } from './children.ts';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [REPO_ROOT];
const CALLS = 200_000;

async function measure(root: string): Promise<number> {
  const { createPager } = await import(`${root}/src/pagination/pager.ts`);
  const { createCursorCodec } = await import(`${root}/src/pagination/cursor.ts`);
  const { createKeptPages } = await import(`${root}/src/pagination/kept-pages.ts`);
  const records = Array.from({ length: 20 }, (_, i) => ({ id: `cus-${i}`, name: `n${i}`, email: null }));
  const page = { records, next: 'token', total: 300 };
  const cursors = createCursorCodec('bench-cursor-secret-0123456789abcdefghijklmnop');
  const keptPages = createKeptPages({ ttlMs: 30_000, maxEntries: 1_000 });
  const limits = { defaultFirst: 20, maxFirst: 500 };
  const owner = { callerKey: 'caller', token: 'token' };
  const onePage = async () => {
    const pager = createPager({ cursors, keptPages, owner, limits });
    const connection = await pager.page({
      connection: 'customers',
      bindings: { filter: null },
      first: 20,
      after: null,
      exactness: 'total',
      fetchPage: async () => page,
    });
    let read = 0;
    for (const edge of connection.edges as { node: { id: string } }[]) read += edge.node.id.length;
    return read;
  };
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await onePage();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

for (let round = 1; round <= 3; round++) {
  const line: string[] = [];
  for (const root of roots) line.push(`${root}: ${(await measure(root)).toFixed(1)} µs`);
  console.log(`round ${round}: ${line.join(' | ')}`);
}
