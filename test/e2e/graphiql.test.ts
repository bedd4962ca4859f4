import { createHash } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGraphiQLPage,
  EXAMPLE_OPERATION,
  EXAMPLE_VARIABLES,
  partnerGraphiQLOptions,
} from '../../src/graphql/graphiql.ts';
import { type Stack, startStack } from '../support/stack.ts';

const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const WIRE_BUDGET = 2_000_000;
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as they crossed the wire, still encoded. */
  wire: Buffer;
  /** The same, decoded per content-encoding. */
  body: Buffer;
}

/** node:http, not fetch: fetch decodes bodies and hides what crossed the wire. */
function get(origin: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const wire = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        const body =
          wire.length === 0
            ? wire
            : encoding === 'br'
              ? brotliDecompressSync(wire)
              : encoding === 'gzip'
                ? gunzipSync(wire)
                : wire;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, wire, body });
      });
    })
      .on('error', reject)
      .end();
  });
}

/** The `src`/`href` of the page's scripts, style sheets and icon, resolved against the page's path. */
function referencedBy(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map(
    ([, ref = '']) => new URL(ref, 'http://host/graphql').pathname,
  );
}

/**
 * The fonts a page in Latin script loads: faces with no unicode-range, or one that covers U+0041.
 * A browser fetches the other unicode-range subsets (Cyrillic, Greek, …) only for text that needs them.
 */
function latinFonts(css: string, cssPath: string): string[] {
  const faces = [...css.matchAll(/@font-face\s*\{([^}]*)\}/g)].map(([, body = '']) => body);
  return faces
    .filter((face) => {
      const range = /unicode-range:\s*([^;}]+)/.exec(face)?.[1];
      if (!range) return true;
      return range.split(',').some((part) => {
        const [from = '', to = from] = part.trim().replace(/^U\+/i, '').split('-');
        return Number.parseInt(from, 16) <= 0x41 && 0x41 <= Number.parseInt(to, 16);
      });
    })
    .flatMap((face) => [...face.matchAll(/url\(['"]?([^'")]+)/g)].map(([, ref = '']) => ref))
    .map((ref) => new URL(ref, `http://host${cssPath}`).pathname);
}

describe('GraphiQL over HTTP: a small page, then compressed files a browser keeps', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ deps: { demoToken: 'sandbox-demo-token' } });
  });
  afterAll(() => stack.close());

  it('a cold load with accept-encoding: br moves under 2 MB, page and every file a Latin page loads', async () => {
    const page = await get(stack.origin, '/graphql', { ...BROWSER, 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-encoding']).toBe('br');
    expect(page.headers['cache-control']).toBe('private, no-cache');
    expect(page.headers.vary).toBe('accept-encoding');
    expect(page.headers.etag).toMatch(/^"[0-9a-f]{20}-br"$/);
    expect(Number(page.headers['content-length'])).toBe(page.wire.length);
    expect(page.wire.length).toBeLessThan(4_000);

    const html = page.body.toString();
    const files = referencedBy(html);
    const script = files.find((f) => f.endsWith('.js'));
    const css = files.find((f) => f.endsWith('.css'));
    if (!script || !css) throw new Error(`the page references no script or style sheet: ${files.join(', ')}`);
    const scriptBody = (await get(stack.origin, script, { 'accept-encoding': 'br' })).body.toString();
    const cssBody = (await get(stack.origin, css, { 'accept-encoding': 'br' })).body.toString();
    // Monaco's editor workers, which the script names beside itself.
    const workers = [...scriptBody.slice(0, 2_000).matchAll(/"([0-9a-f]{20}\.js)"/g)].map(
      ([, file]) => `/graphql/assets/${file}`,
    );
    expect(workers).toHaveLength(3);
    const loaded = [...new Set([...files, ...workers, ...latinFonts(cssBody, css)])];
    expect(loaded.length).toBeGreaterThanOrEqual(10);

    let wire = page.wire.length;
    for (const path of loaded) {
      const asset = await get(stack.origin, path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      expect(asset.status, path).toBe(200);
      expect(asset.headers['cache-control'], path).toBe(IMMUTABLE);
      expect(asset.headers['content-encoding'], path).toBe(
        path.endsWith('.woff2') || path.endsWith('.woff') ? undefined : 'br',
      );
      // Content-hashed: the name is the hash of the file's bytes, so a new build never hits an old cache.
      const name = path.slice(path.lastIndexOf('/') + 1, path.lastIndexOf('.'));
      expect(createHash('sha256').update(asset.body).digest('hex').slice(0, 20), path).toBe(name);
      wire += asset.wire.length;
    }
    expect(wire).toBeLessThan(WIRE_BUDGET);
    expect(html).not.toMatch(/https?:\/\//);
    expect(cssBody).not.toMatch(/url\(\s*['"]?(?:https?:)?\/\//);
    expect(scriptBody).toContain('renderYogaGraphiQL');
  });

  it('answers 304 to If-None-Match, for the page and for a file', async () => {
    const first = await get(stack.origin, '/graphql', { ...BROWSER, 'accept-encoding': 'br' });
    const etag = first.headers.etag ?? '';
    const again = await get(stack.origin, '/graphql', { ...BROWSER, 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.wire.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('private, no-cache');
    // A weak validator and a list match too; another encoding's representation does not.
    expect(
      (await get(stack.origin, '/graphql', { ...BROWSER, 'accept-encoding': 'br', 'if-none-match': `"x", W/${etag}` }))
        .status,
    ).toBe(304);
    expect((await get(stack.origin, '/graphql', { ...BROWSER, 'if-none-match': etag })).status).toBe(200);

    const [script = ''] = referencedBy(first.body.toString()).filter((f) => f.endsWith('.js'));
    const asset = await get(stack.origin, script, { 'accept-encoding': 'br' });
    const cached = await get(stack.origin, script, {
      'accept-encoding': 'br',
      'if-none-match': asset.headers.etag ?? '',
    });
    expect(cached.status).toBe(304);
    expect(cached.wire.length).toBe(0);
    expect(cached.headers['cache-control']).toBe(IMMUTABLE);
  });

  it('sends gzip to a client without brotli, and plain bytes to one that accepts neither', async () => {
    const brotli = await get(stack.origin, '/graphql', { ...BROWSER, 'accept-encoding': 'br' });
    const gzip = await get(stack.origin, '/graphql', { ...BROWSER, 'accept-encoding': 'gzip, deflate, br;q=0' });
    const plain = await get(stack.origin, '/graphql', BROWSER);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers.etag).toMatch(/-gzip"$/);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.etag).toMatch(/^"[0-9a-f]{20}"$/);
    expect(gzip.body.equals(plain.wire)).toBe(true);
    expect(brotli.body.equals(plain.wire)).toBe(true);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get_ = await get(stack.origin, '/graphql', { ...BROWSER, 'accept-encoding': 'br' });
    const head = await get(stack.origin, '/graphql', { ...BROWSER, 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.wire.length).toBe(0);
    expect(head.headers['content-length']).toBe(get_.headers['content-length']);
    expect(head.headers.etag).toBe(get_.headers.etag);
  });

  it('answers 404 for any other path under the assets, and leaves GraphQL GETs to GraphQL', async () => {
    for (const path of ['/graphql/assets/', '/graphql/assets/0000000000000000000a.js', '/graphql/assets/a/b.js']) {
      const answer = await get(stack.origin, path, { 'accept-encoding': 'br' });
      expect(answer.status, path).toBe(404);
      expect(JSON.parse(answer.body.toString()), path).toEqual({
        errors: [{ message: 'Not found.', extensions: { code: 'NOT_FOUND' } }],
      });
    }
    const query = await get(stack.origin, '/graphql?query=%7B__typename%7D', {
      accept: 'application/json',
      'x-graphql-yoga-csrf': '1',
    });
    expect(query.status).toBe(200);
    expect(JSON.parse(query.body.toString())).toEqual({ data: { __typename: 'Query' } });
  });

  it('opens with the example operation, its variables and the demo token, in options no markup can break', async () => {
    const html = (await get(stack.origin, '/graphql', BROWSER)).body.toString();
    expect(html).toContain('<title>Partner Graph</title>');
    const json = /<script id="graphiql-options" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(json).not.toContain('<');
    expect(JSON.parse(json)).toEqual({
      title: 'Partner Graph',
      defaultQuery: EXAMPLE_OPERATION,
      variables: EXAMPLE_VARIABLES,
      headers: JSON.stringify({ Authorization: 'Bearer sandbox-demo-token' }, null, 2),
    });
  });
});

describe('the example operation', () => {
  it('prefills every variable PartnerOverview takes, and nothing else, with a page size', () => {
    const [operation] = parse(EXAMPLE_OPERATION).definitions;
    const names =
      operation?.kind === 'OperationDefinition' ? operation.variableDefinitions?.map((v) => v.variable.name.value) : [];
    const variables = JSON.parse(EXAMPLE_VARIABLES) as Record<string, unknown>;
    expect(Object.keys(variables).sort()).toEqual([...(names ?? [])].sort());
    expect(variables.first).toBe(5);
  });

  it('keeps its help comment to lines that fit the query editor of a 1280 px window (45 columns)', () => {
    const comment = EXAMPLE_OPERATION.split('\n').filter((line) => line.startsWith('#'));
    expect(comment.length).toBeGreaterThan(5);
    expect(comment.filter((line) => line.length > 45)).toEqual([]);
  });
});

describe('createGraphiQLPage', () => {
  it('compresses each file once per encoding, at first use, however many requests ask at once', async () => {
    const compressed: string[] = [];
    const page = createGraphiQLPage(partnerGraphiQLOptions(), {
      onCompressed: ({ file, encoding }) => compressed.push(`${file} ${encoding}`),
    });
    expect(compressed).toEqual([]);
    const [html] = await Promise.all([page.render('br'), page.render('br'), page.render('br')]);
    const files = referencedBy(html.body.toString());
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(files.map((path) => page.serveAsset(path, 'br')));
      expect(answers.map((a) => a.headers['content-encoding'])).toEqual(files.map(() => 'br'));
    }
    await page.render('gzip');
    await page.serveAsset(files[0] ?? '', 'gzip');
    expect(compressed.length).toBe(new Set(compressed).size);
    for (const path of files) expect(compressed).toContain(`${path.slice(path.lastIndexOf('/') + 1)} br`);
  });
});

describe('GraphiQL switched off (GRAPHIQL=false)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { GRAPHIQL: 'false' } });
  });
  afterAll(() => stack.close());

  it('serves no page and none of its files', async () => {
    const page = await get(stack.origin, '/graphql', BROWSER);
    expect(page.headers['content-type']).not.toMatch(/text\/html/);
    expect(page.body.toString()).not.toContain('graphiql');
    // The files the page would load where it is on: their names depend on their content only.
    const html = (await createGraphiQLPage(partnerGraphiQLOptions()).render()).body.toString();
    const files = referencedBy(html);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const path of files) {
      const answer = await get(stack.origin, path);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.headers['content-type'], path).not.toMatch(/javascript|css|icon/);
    }
  });
});
