import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

/** Debian's Chromium, which .ci/run installs; never a browser build downloaded by Playwright. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without these, Chromium on a closed network stalls on its own background connections.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const GRAPHIQL_LOAD_MS = 30_000;

interface OverviewBody {
  data: {
    customers: { nodes: { name: string }[] };
    invoices: { nodes: { id: string; invoiceNumber: string; pdfUrl: string }[] };
  };
}

/** `npm start` in sandbox mode, in-process: the embedded sandbox, and its first demo token in GraphiQL. */
async function startSandboxMode(): Promise<{
  sandbox: Sandbox;
  app: App;
  server: Server;
  origin: string;
  organisation: string;
  token: string;
}> {
  const sandbox = await startSandbox({ port: 0, customers: 12, invoices: 12, subscriptions: 12 });
  const [first] = Object.entries(sandbox.tokens);
  if (!first) throw new Error('the sandbox has no organisation');
  const [organisation, token] = first;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    CURSOR_SECRET: 'test-cursor-secret-of-at-least-32-chars',
    PARTNER_API_URL: sandbox.url,
  });
  const app = createApp(config, { demoToken: token });
  const server = createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    sandbox,
    app,
    server,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    organisation,
    token,
  };
}

/** Monaco renders spaces as no-break spaces. */
const textOf = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').replace(/\u00a0/g, ' ');

describe('GraphiQL in headless Chromium, from the running server', () => {
  let env: Awaited<ReturnType<typeof startSandboxMode>>;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`No Chromium at ${CHROMIUM}: run .ci/run, or apt-get install chromium, or set CHROMIUM_PATH.`);
    env = await startSandboxMode();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${env.origin}/graphql`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: GRAPHIQL_LOAD_MS });
  }, GRAPHIQL_LOAD_MS + 15_000);

  afterAll(async () => {
    await browser?.close();
    env?.server.closeAllConnections();
    await new Promise((resolve) => env?.server.close(resolve));
    await env?.app.close();
    await env?.sandbox.close();
  });

  it('opens with the example operation, and the demo token in the headers pane', async () => {
    const query = await textOf(page, '.graphiql-query-editor');
    expect(query).toContain('query PartnerOverview(');
    expect(query).toContain('$invoicesAfter: String');
    expect(query).toContain('pdfUrl');
    await page.getByRole('button', { name: 'Headers', exact: true }).click();
    expect(await textOf(page, '.graphiql-editor-tool')).toContain(`"Authorization": "Bearer ${env.token}"`);
  });

  it("runs it: customer names in the result pane, then a pdfUrl from the result opens as that invoice's PDF", async () => {
    const [response] = await Promise.all([
      page.waitForResponse(
        (r) =>
          r.url() === `${env.origin}/graphql` &&
          r.request().method() === 'POST' &&
          /PartnerOverview/.test(r.request().postData() ?? ''),
      ),
      page.locator('.graphiql-execute-button').click(),
    ]);
    expect(response.status()).toBe(200);
    const body = (await response.json()) as OverviewBody;
    const names = body.data.customers.nodes.map((c) => c.name);
    expect(names).toEqual(env.sandbox.organisations[0]?.customers.slice(0, 5).map((c) => c.name));
    await expect.poll(() => textOf(page, '.graphiql-response'), { timeout: 10_000 }).toContain(`"name": "${names[0]}"`);

    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().click();
    await expect.poll(() => textOf(page, '.graphiql-doc-explorer')).toMatch(/invoices[\s\S]*UPSTREAM_TIMEOUT/);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('graphiql.png', ARTIFACTS).pathname });

    const invoice = body.data.invoices.nodes[0];
    if (!invoice) throw new Error('the example operation returned no invoice');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      // What a frontend does with pdfUrl: an <a href>, no headers.
      page.evaluate((href) => {
        const link = document.createElement('a');
        link.href = href;
        document.body.append(link);
        link.click();
      }, invoice.pdfUrl),
    ]);
    expect(download.suggestedFilename()).toBe(`${invoice.invoiceNumber}.pdf`);
    const pdf = await readFile(await download.path());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.equals(env.sandbox.pdfFor(env.organisation, invoice.id))).toBe(true);
  });

  it('loaded nothing from anywhere but this server: GraphiQL is served, not fetched from a CDN', () => {
    const foreign = requested.filter(
      (url) => !url.startsWith(`${env.origin}/`) && !url.startsWith(`blob:${env.origin}/`) && !url.startsWith('data:'),
    );
    expect(foreign).toEqual([]);
  });
});
