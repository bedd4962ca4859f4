// What GraphiQL moves on the wire: a cold load in a fresh headless Chromium, then a reload.
//
//   npm start    # in another shell, any version of the server
//   npx tsx bench/graphiql-weight.ts [http://localhost:4000/graphql]
//
// The browser talks to the server through a TCP relay here that counts the bytes the server sends
// (headers, bodies, the schema's introspection, Monaco's workers: everything).
import { existsSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { chromium } from 'playwright-core';

const target = new URL(process.argv[2] ?? 'http://localhost:4000/graphql');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const QUIET_MS = 1_500;

let sent = 0;
const relay = createServer((client: Socket) => {
  const server = connect(Number(target.port || 80), target.hostname);
  server.on('data', (chunk: Buffer) => {
    sent += chunk.length;
  });
  server.pipe(client).on('error', () => server.destroy());
  client.pipe(server).on('error', () => client.destroy());
  server.on('error', () => client.destroy());
});
await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
const port = (relay.address() as { port: number }).port;
const url = `http://127.0.0.1:${port}${target.pathname}`;

if (!existsSync(CHROMIUM))
  throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH.`);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

/** Bytes sent from navigation until the editor shows and the server has been quiet for a while. */
async function measure(navigate: () => Promise<unknown>): Promise<number> {
  const before = sent;
  await navigate();
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 120_000 });
  for (let last = -1; last !== sent; ) {
    last = sent;
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  }
  return sent - before;
}

const cold = await measure(() => page.goto(url));
const reload = await measure(() => page.reload());
console.log(`GraphiQL at ${target.href}, on the wire (server to browser, headers included):`);
console.log(`  cold load  ${cold.toLocaleString('en')} bytes`);
console.log(`  reload     ${reload.toLocaleString('en')} bytes`);
await browser.close();
relay.close();
process.exit(0);
