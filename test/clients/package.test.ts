import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkRest } from '../support/rest.ts';
import { type Stack, startStack } from '../support/stack.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url);
const PACKAGE_DIR = new URL('packages/client/', ROOT).pathname;
const TSC = new URL('node_modules/typescript/bin/tsc', ROOT).pathname;
const COUNTS = { customers: 7, invoices: 13, subscriptions: 4 };

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  type?: string;
  exports: Record<string, unknown>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Without the npm_* variables of an outer `npm test`, which would point npm at this repository. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'NODE_OPTIONS'),
  );
  return { ...env, ...extra };
}

const npm = (args: string[], cwd: string) =>
  run('npm', args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });

// What a frontend repository writes: plain ESM, run by plain node, nothing of this repository around it.
const CONSUMER_JS = `import { createPartnerGraphClient, InvoicesPageDocument } from '@partner-graph/client';
const client = createPartnerGraphClient(process.env.PARTNER_GRAPH_URL, { token: process.env.PARTNER_GRAPH_TOKEN });
const overview = await client.overview({ first: 3 });
const invoices = [];
for await (const invoice of client.allInvoices(5)) invoices.push(invoice.id);
console.log(JSON.stringify({
  customers: overview.customers.nodes.map((c) => c.id),
  invoices,
  documentIsTyped: InvoicesPageDocument.kind === 'Document',
}));
`;

// Its TypeScript: the results are typed from the schema, and a wrong variable does not compile.
const CONSUMER_TS = `import { createPartnerGraphClient, type InvoicesPageQuery } from '@partner-graph/client';
const client = createPartnerGraphClient('http://localhost:4000/graphql', { token: 'token' });
const page: InvoicesPageQuery = await client.invoices({ first: 1 });
const amount: string | undefined = page.invoices?.edges[0]?.node.amount;
// @ts-expect-error first is an Int
await client.invoices({ first: 'ten' });
// @ts-expect-error an invoice has no such field
page.invoices?.edges[0]?.node.price;
export { amount };
`;

describe('@partner-graph/client as a package a frontend repository installs', () => {
  let temp: string;
  let app: string;
  let packed: { filename: string; files: { path: string }[] };
  let manifest: PackageJson;
  let stack: Stack;

  beforeAll(async () => {
    // packages/client/dist is built by vitest's global setup; prepack would rebuild it under the other tests.
    temp = await mkdtemp(join(tmpdir(), 'partner-graph-client-'));
    [packed] = JSON.parse(
      (await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', temp], PACKAGE_DIR)).stdout,
    );
    manifest = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8'));

    // Its dependencies as tarballs of the versions this repository tests with: the install runs offline,
    // and fails if the package needs anything else.
    const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
    const tarballs = [join(temp, packed.filename)];
    for (const dep of deps) {
      const [out] = JSON.parse(
        (
          await npm(
            ['pack', '--ignore-scripts', '--json', '--pack-destination', temp, `${ROOT.pathname}node_modules/${dep}`],
            temp,
          )
        ).stdout,
      );
      tarballs.push(join(temp, out.filename));
    }
    app = join(temp, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'frontend', private: true, type: 'module' }));
    await npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs], app);

    stack = await startStack({ sandbox: COUNTS });
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    if (temp) await rm(temp, { recursive: true, force: true });
  });

  it('ships compiled ESM, its .d.ts and the schema; nothing of the server; three dependencies', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/schema.graphql']));
    expect(files.filter((f) => f !== 'package.json' && !f.startsWith('dist/'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.length).toBeLessThan(20);

    expect(manifest).toMatchObject({
      name: '@partner-graph/client',
      version: '0.1.0',
      type: 'module',
      files: ['dist'],
    });
    expect(manifest.private).toBeUndefined();
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).sort()).toEqual([
      '@graphql-typed-document-node/core',
      'graphql',
      'graphql-request',
    ]);
  });

  it('keeps the server package private: it is not what a frontend installs', async () => {
    const root = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as PackageJson;
    expect(root.private).toBe(true);
    expect(root.exports['./client']).toBeUndefined();
  });

  it('imports with plain node from the installed tarball and runs real queries against the sandbox', async () => {
    await writeFile(join(app, 'consumer.js'), CONSUMER_JS);
    const { stdout } = await run(process.execPath, ['consumer.js'], {
      cwd: app,
      env: cleanEnv({ PARTNER_GRAPH_URL: stack.graphqlUrl, PARTNER_GRAPH_TOKEN: stack.orgA.token }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    const result = JSON.parse(stdout) as { customers: string[]; invoices: string[]; documentIsTyped: boolean };
    expect(result.customers).toEqual((await walkRest(stack.sandbox.url, stack.orgA.token, 'customers')).slice(0, 3));
    expect(result.invoices).toEqual(await walkRest(stack.sandbox.url, stack.orgA.token, 'invoices'));
    expect(result.invoices).toHaveLength(COUNTS.invoices);
    expect(result.documentIsTyped).toBe(true);
  });

  it("types a frontend's code from its .d.ts: results typed by the schema, wrong variables and fields refused", async () => {
    await writeFile(join(app, 'consumer.ts'), CONSUMER_TS);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    const checked = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' }).then(
      () => 'no errors',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(checked).toBe('no errors');
  });
});
