import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

const run = promisify(execFile);
const EXAMPLE = new URL('../../examples/download-all-invoices.ts', import.meta.url).pathname;
const INVOICES = 23;

describe('examples/download-all-invoices.ts, run as a frontend developer would', () => {
  let stack: Stack;
  let outDir: string;

  beforeAll(async () => {
    stack = await startStack({ sandbox: { invoices: INVOICES, customers: 5, subscriptions: 5 } });
    outDir = await mkdtemp(join(tmpdir(), 'partner-graph-pdfs-'));
  });
  afterAll(async () => {
    await stack.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it('downloads one PDF per invoice, each the bytes the partner API holds', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', EXAMPLE, outDir], {
      env: { ...process.env, PARTNER_GRAPH_URL: stack.graphqlUrl, PARTNER_GRAPH_TOKEN: stack.orgA.token },
      timeout: 30_000,
    });
    expect(stdout).toMatch(new RegExp(`^Downloaded ${INVOICES} invoice PDFs \\(\\d+ bytes\\) to `, 'm'));

    const invoices = stack.sandbox.organisations[0]?.invoices ?? [];
    expect(invoices).toHaveLength(INVOICES);
    expect((await readdir(outDir)).sort()).toEqual(invoices.map((i) => `${i.invoiceNumber}.pdf`).sort());
    for (const invoice of invoices) {
      const saved = await readFile(join(outDir, `${invoice.invoiceNumber}.pdf`));
      expect(saved.equals(stack.sandbox.pdfFor(stack.orgA.name, invoice.id)), invoice.invoiceNumber).toBe(true);
    }
    expect(stack.sandbox.calls.count({ endpoint: 'invoiceFile' })).toBe(INVOICES);
  });

  it('says what to set, and exits 2, without a URL or token', async () => {
    const failure: unknown = await run(process.execPath, ['--import', 'tsx', EXAMPLE], {
      env: { PATH: process.env['PATH'] ?? '' },
      timeout: 30_000,
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('PARTNER_GRAPH_URL') });
  });
});
