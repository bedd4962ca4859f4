import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
/** What a cold load of GraphiQL may move from the server to the browser, everything included. */
const COLD_LOAD_BYTES = 2_000_000;
// The narrow end of a laptop screen: the example's help must not run past the query editor's edge.
const VIEWPORT = { width: 1280, height: 800 };

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
  /** Bytes the server has written to its sockets so far, headers included. */
  bytesSent: () => number;
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
  const sockets = new Set<Socket>();
  const server = createServer(app.handle).on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    sandbox,
    app,
    server,
    bytesSent: () => [...sockets].reduce((sum, socket) => sum + socket.bytesWritten, 0),
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    organisation,
    token,
  };
}

const TAB_RENDER_MS = 5_000;

/** Monaco renders spaces as no-break spaces. */
const textOf = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').replace(/\u00a0/g, ' ');

describe('GraphiQL in headless Chromium, from the running server', () => {
  let env: Awaited<ReturnType<typeof startSandboxMode>> | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let coldLoadBytes = 0;
  const requested: string[] = [];
  const finished = new Set<string>();
  // The page's script and Monaco's three editor workers.
  const scriptsIn = (urls: Iterable<string>) =>
    new Set([...urls].filter((url) => /\/graphql\/assets\/[0-9a-f]{20}\.js$/.test(url))).size;

  const started = () => {
    if (!env) throw new Error('the sandbox-mode server did not start');
    return env;
  };

  beforeAll(
    async () => {
      if (!existsSync(CHROMIUM))
        throw new Error(`No Chromium at ${CHROMIUM}: run .ci/run, or apt-get install chromium, or set CHROMIUM_PATH.`);
      env = await startSandboxMode();
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: VIEWPORT, acceptDownloads: true });
      page.on('request', (request) => requested.push(request.url()));
      page.on('requestfinished', (request) => finished.add(request.url()));
      await page.goto(`${env.origin}/graphql`);
      await page.locator('.graphiql-execute-button').waitFor({ timeout: GRAPHIQL_LOAD_MS });
      // Loaded when the workers are in and nothing more has been sent for a while (fonts, schema).
      const { bytesSent } = env;
      let last = -1;
      const settled = () => {
        if (scriptsIn(finished) < 4 || last !== (last = bytesSent())) throw new Error('GraphiQL is still loading');
      };
      await vi.waitFor(settled, { interval: 750, timeout: GRAPHIQL_LOAD_MS });
      coldLoadBytes = last;
    },
    2 * GRAPHIQL_LOAD_MS + 15_000,
  );

  // Also after a failed beforeAll: close what was opened, and nothing else (no wait on a server never started).
  afterAll(async () => {
    await browser?.close();
    if (!env) return;
    const { server, app, sandbox } = env;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await app.close();
    await sandbox.close();
  });

  it('loads in under 2 MB on the wire, compressed, with its script and workers served as files', () => {
    expect(coldLoadBytes).toBeGreaterThan(100_000);
    expect(coldLoadBytes, `${coldLoadBytes} bytes`).toBeLessThan(COLD_LOAD_BYTES);
    expect(scriptsIn(requested)).toBe(4);
  });

  it('opens with the example operation, its variables, and the demo token in the headers pane', async () => {
    const { token } = started();
    const query = await textOf(page, '.graphiql-query-editor');
    expect(query).toContain('query PartnerOverview(');
    expect(query).toContain('$invoicesAfter: String');
    expect(query).toContain('pdfUrl');
    // A tab's pane is rendered after the click returns: wait for it, up to TAB_RENDER_MS.
    await page.getByRole('button', { name: 'Variables', exact: true }).click();
    await vi.waitFor(
      async () => expect(await textOf(page, '.graphiql-editor-tool')).toMatch(/"first": 5,\s*"customersAfter": null/),
      { timeout: TAB_RENDER_MS },
    );
    await page.getByRole('button', { name: 'Headers', exact: true }).click();
    await vi.waitFor(
      async () => expect(await textOf(page, '.graphiql-editor-tool')).toContain(`"Authorization": "Bearer ${token}"`),
      { timeout: TAB_RENDER_MS },
    );
  });

  it("shows the example's help whole in a 1280 px window: no comment line runs past the editor's edge", async () => {
    const { edge, lines } = await page.evaluate(() => {
      const editor = document.querySelector('.graphiql-query-editor .monaco-scrollable-element');
      const rendered = [...document.querySelectorAll('.graphiql-query-editor .view-line > span')];
      return {
        edge: editor?.getBoundingClientRect().right ?? 0,
        lines: rendered.map((span) => ({ text: span.textContent ?? '', right: span.getBoundingClientRect().right })),
      };
    });
    const comment = lines.filter((line) => line.text.startsWith('#'));
    expect(comment.length).toBeGreaterThan(5);
    expect(comment.filter((line) => line.right > edge).map((line) => line.text)).toEqual([]);
  });

  it("runs it: customer names in the result pane, then a pdfUrl from the result opens as that invoice's PDF", async () => {
    const env = started();
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
    const env = started();
    const foreign = requested.filter(
      (url) => !url.startsWith(`${env.origin}/`) && !url.startsWith(`blob:${env.origin}/`) && !url.startsWith('data:'),
    );
    expect(foreign).toEqual([]);
  });
});
