import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.ts';
import { type CustomerPage, ORG_A } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * `npm run sandbox` is `tsx src/sandbox/cli.ts`. The test runs the same file in one process
 * (`node --import tsx`) rather than through npx → sh → tsx → node: a signal then reaches the
 * sandbox itself, its exit code is the sandbox's, and no grandchild can outlive the test.
 */
function startCli(env: Record<string, string>, args: string[] = ['--json']) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const firstLine = new Promise<string>((resolve, reject) => {
    const check = () => {
      const end = stdout.indexOf('\n');
      if (end !== -1) resolve(stdout.slice(0, end));
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`cli exited with ${String(code)}: ${stderr}`)));
  });
  firstLine.catch(() => undefined); // a test that expects the exit awaits it instead
  return { child, firstLine, output: () => ({ stdout, stderr }) };
}

describe('npm run sandbox (src/sandbox/cli.ts)', () => {
  it('--json prints one line {url, tokens} once ready, serves the API and admin routes, and stops on SIGTERM', async () => {
    const cli = startCli({ SANDBOX_SEED: '5', SANDBOX_CUSTOMERS: '50', SANDBOX_LOG: '1' });
    const ready = JSON.parse(await cli.firstLine) as { url: string; tokens: Record<string, string> };
    expect(Object.keys(ready).sort()).toEqual(['tokens', 'url']);
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);

    // The same seed in process gives the same tokens: scripts and tests agree.
    const inProcess = await startSandbox({ port: 0, seed: 5, customers: 1, invoices: 1, subscriptions: 1 });
    expect(ready.tokens).toEqual(inProcess.tokens);
    await inProcess.close();

    const headers = { authorization: `Bearer ${ready.tokens[ORG_A] ?? ''}` };
    const customers = (await (
      await fetch(`${ready.url}/partner/customer?limit=2`, { headers })
    ).json()) as CustomerPage;
    expect(customers.hits).toBe(50);

    const origin = ready.url.replace(/\/api$/, '');
    const put = await fetch(`${origin}/__admin/faults`, { method: 'PUT', body: '[{"kind":"status","status":503}]' });
    expect(put.status).toBe(200);
    expect((await fetch(`${ready.url}/partner/customer`, { headers })).status).toBe(503);
    const calls = (await (await fetch(`${origin}/__admin/calls`)).json()) as { organisation: string; status: number }[];
    expect(calls.map((call) => [call.organisation, call.status])).toEqual([
      [ORG_A, 200],
      [ORG_A, 503],
    ]);

    cli.child.kill('SIGTERM');
    const [code] = (await once(cli.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const { stdout, stderr } = cli.output();
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    // The request log names the organisation and never prints a token.
    expect(stderr).toContain(`/api/partner/customer?limit=2 ${ORG_A} 200`);
    for (const token of Object.values(ready.tokens)) expect(stderr).not.toContain(token);
  });

  it('prints URL, counts and tokens for people without --json', async () => {
    const cli = startCli({ SANDBOX_CUSTOMERS: '10', SANDBOX_INVOICES: '20', SANDBOX_SUBSCRIPTIONS: '30' }, []);
    await cli.firstLine;
    while (!cli.output().stdout.includes('Ctrl+C')) await new Promise((resolve) => setTimeout(resolve, 20));
    const { stdout } = cli.output();
    expect(stdout).toMatch(/at http:\/\/127\.0\.0\.1:\d+\/api/);
    expect(stdout).toMatch(/northwind-media\s+10 \/ 20 \/ 30/);
    expect(stdout).toMatch(/harbour-press\s+6 \/ 12 \/ 18/);
    expect(stdout).toContain('eyJ');
    cli.child.kill('SIGINT');
    const [code] = (await once(cli.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('reports every configuration problem at once and exits with 2', async () => {
    const cli = startCli({ PORT: 'eighty', SANDBOX_CUSTOMERS: '-3', SANDBOX_SHORT_PAGES: '1' });
    const [code] = (await once(cli.child, 'exit')) as [number | null];
    expect(code).toBe(2);
    const { stderr, stdout } = cli.output();
    expect(stdout).toBe('');
    expect(stderr).toContain('PORT must be an integer');
    expect(stderr).toContain('SANDBOX_CUSTOMERS must be an integer');
  });
});
