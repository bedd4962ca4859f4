import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm run build`, then the build started as `npm run start:prod` starts it, with no
 * PARTNER_API_URL (so it embeds the sandbox) and the persisted-operations manifest switched on (so
 * every file a module reads beside itself must have been copied into dist/). The command is run
 * in one process, not through npm → sh → node (test/deploy/image.test.ts covers that way).
 */
function startProdCommand(): string[] {
  const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  const [exec, node, ...args] = (scripts['start:prod'] ?? '').trim().split(/\s+/);
  expect(exec).toBe('exec');
  expect(node).toBe('node');
  expect(args.at(-1)).toBe('dist/main.js');
  return args;
}

let server: ChildProcessWithoutNullStreams;
let origin: string;
let token: string;

beforeAll(async () => {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' });
  expect(build.status, `npm run build failed:\n${build.stdout}${build.stderr}`).toBe(0);

  const { PARTNER_API_URL: _upstream, ...env } = process.env;
  server = spawn(process.execPath, startProdCommand(), {
    cwd: ROOT,
    env: {
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      PERSISTED_OPERATIONS: 'allow',
      LOG_LEVEL: 'silent',
    },
  });
  let stdout = '';
  let stderr = '';
  server.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  ({ origin, token } = await new Promise<{ origin: string; token: string }>((resolve, reject) => {
    server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const port = /listening on http:\/\/localhost:(\d+)\/graphql/.exec(stdout)?.[1];
      const demoToken = /demo token for [^:]+: ([\w.-]+)/.exec(stdout)?.[1];
      if (port && demoToken) resolve({ origin: `http://127.0.0.1:${port}`, token: demoToken });
    });
    server.once('exit', (code) => reject(new Error(`the built server exited with ${String(code)}: ${stderr}`)));
  }));
}, 60_000);

afterAll(async () => {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
});

describe('the production build (npm run build, npm run start:prod)', () => {
  it('answers a GraphQL query and serves an invoice PDF through its link', async () => {
    const res = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ invoices(first: 1) { nodes { id invoiceNumber pdfUrl } } }' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data?: { invoices: { nodes: { invoiceNumber: string; pdfUrl: string }[] } };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    const [invoice] = body.data?.invoices.nodes ?? [];
    if (!invoice) throw new Error('the embedded sandbox has no invoice');

    const pdf = await fetch(invoice.pdfUrl);
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(`attachment; filename="${invoice.invoiceNumber}.pdf"`);
    expect(pdf.headers.get('content-length')).toBe(String(bytes.length));
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('serves GraphiQL with the example operation read from the build', async () => {
    const res = await fetch(`${origin}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('PartnerOverview');
  });

  it('reports the commit it was built from on /health', async () => {
    const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
    const health = (await (await fetch(`${origin}/health`)).json()) as { commit: string };
    expect(health.commit).toBe(head);
  });
});
