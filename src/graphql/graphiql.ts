import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * The operation GraphiQL opens with: the typed client's PartnerOverview (the three connections in one
 * round trip, with paging variables), so the example and the shipped operation never drift apart.
 * The help lines stay short: the query editor is about 45 columns wide in a 1280 px window.
 */
export const EXAMPLE_OPERATION = `# Partner Graph: customers, invoices and
# subscriptions in one round trip.
# Press the run button (or Ctrl-Enter).
#
# Variables (tab below the editor): "first"
# is the page size. To page on, copy a
# connection's pageInfo.endCursor into its
# "…After" variable, e.g. "invoicesAfter".
#
# pdfUrl is a short-lived link to the
# invoice PDF: open it in the browser.
${readFileSync(new URL('../client/operations/overview.graphql', import.meta.url), 'utf8')}`;

/** The Variables pane of the example: every variable PartnerOverview takes, ready to edit. */
export const EXAMPLE_VARIABLES = JSON.stringify(
  { first: 5, customersAfter: null, invoicesAfter: null, subscriptionsAfter: null },
  null,
  2,
);

/**
 * Yoga's GraphiQL options, and `variables`: what the Variables pane of a first visit holds (GraphiQL
 * takes it, Yoga's type does not list it).
 */
export type GraphiQLPageOptions = GraphiQLOptions & { variables?: string };

/** GraphiQL as Partner Graph opens it; with a demo token (sandbox mode) in the Headers pane. */
export function partnerGraphiQLOptions(demoToken?: string): GraphiQLPageOptions {
  return {
    title: 'Partner Graph',
    defaultQuery: EXAMPLE_OPERATION,
    variables: EXAMPLE_VARIABLES,
    ...(demoToken ? { headers: JSON.stringify({ Authorization: `Bearer ${demoToken}` }, null, 2) } : {}),
  };
}

/** A response to write: the caller adds nothing but the body's absence for HEAD. */
export interface GraphiQLResponse {
  status: number;
  headers: Record<string, string>;
  /** Empty for 304. */
  body: Buffer;
}

export interface GraphiQLPageSettings {
  /** Where the page is served; its assets live under `${path}/assets/`. */
  path?: string;
  /** Told each time an asset is compressed, which happens once per asset and encoding. */
  onCompressed?: (event: { file: string; encoding: Encoding; bytes: number; compressedBytes: number }) => void;
}

export interface GraphiQLPage {
  /** The page's path and the prefix of its assets' paths. */
  readonly path: string;
  readonly assetsPath: string;
  /** True when the request is for this page (a browser's GET for HTML) or one of its assets. */
  handles(req: Pick<IncomingMessage, 'method' | 'headers'>, path: string): boolean;
  /** Answers a request `handles` accepted. */
  serve(req: Pick<IncomingMessage, 'method' | 'headers'>, res: ServerResponse, path: string): Promise<void>;
  /** The HTML page, in the best encoding `acceptEncoding` allows; 304 when `ifNoneMatch` names it. */
  render(acceptEncoding?: string, ifNoneMatch?: string): Promise<GraphiQLResponse>;
  /** One asset by its path under `assetsPath`; 404 for any other path. */
  serveAsset(path: string, acceptEncoding?: string, ifNoneMatch?: string): Promise<GraphiQLResponse>;
}

export type Encoding = 'br' | 'gzip';

const IMMUTABLE = 'public, max-age=31536000, immutable';
// The page holds the options, a demo token among them: revalidated on every load, kept by no shared cache.
const REVALIDATE = 'private, no-cache';
// Brotli 9 with a 16 MiB window: 1.5 s of one core for all the assets, within 10% of quality 11's
// size, which takes 20 s.
const BROTLI_PARAMS = {
  [constants.BROTLI_PARAM_QUALITY]: 9,
  [constants.BROTLI_PARAM_LGWIN]: 24,
};
const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

interface Asset {
  /** The file name under the assets path: the content's hash and an extension. */
  file: string;
  type: string;
  body: Buffer;
  etag: string;
  cacheControl: string;
  /** Already compressed formats (woff2, woff) are sent as they are. */
  compressible: boolean;
  encoded: Map<Encoding, Promise<Buffer>>;
}

interface Built {
  page: Asset;
  assets: Map<string, Asset>;
}

/**
 * GraphiQL served from this process, not from a CDN: the headers pane holds partner bearer tokens, so
 * no third-party script runs on this origin, and GraphiQL works on closed networks. The page is small;
 * the ~9 MB that @graphql-yoga/render-graphiql inlines become content-hashed files a browser keeps for
 * a year (its script, style sheet, editor workers, fonts and icon). Everything is built and each file
 * compressed at first use, once: a process where GraphiQL is off, or never opened, pays nothing.
 */
export function createGraphiQLPage(options: GraphiQLPageOptions, settings: GraphiQLPageSettings = {}): GraphiQLPage {
  const path = settings.path ?? '/graphql';
  const assetsPath = `${path}/assets/`;
  // Relative to the page, so the page also works behind a proxy that mounts it under a prefix.
  const assetsHref = `${path.slice(path.lastIndexOf('/') + 1)}/assets/`;
  let built: Promise<Built> | undefined;
  const build = () => {
    built ??= buildPage(options, assetsHref).catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };

  const encode = (asset: Asset, encoding: Encoding): Promise<Buffer> => {
    let encoded = asset.encoded.get(encoding);
    if (!encoded) {
      encoded = (
        encoding === 'br' ? brotli(asset.body, { params: BROTLI_PARAMS }) : gzipAsync(asset.body, { level: 9 })
      )
        .then((bytes) => {
          settings.onCompressed?.({
            file: asset.file,
            encoding,
            bytes: asset.body.length,
            compressedBytes: bytes.length,
          });
          return bytes;
        })
        .catch((error: unknown) => {
          asset.encoded.delete(encoding);
          throw error;
        });
      asset.encoded.set(encoding, encoded);
    }
    return encoded;
  };

  const respond = async (asset: Asset, acceptEncoding?: string, ifNoneMatch?: string): Promise<GraphiQLResponse> => {
    const encoding = asset.compressible ? negotiate(acceptEncoding) : null;
    const etag = encoding ? `"${asset.etag}-${encoding}"` : `"${asset.etag}"`;
    const headers: Record<string, string> = {
      etag,
      'cache-control': asset.cacheControl,
      ...(asset.compressible ? { vary: 'accept-encoding' } : {}),
    };
    if (matches(ifNoneMatch, etag)) return { status: 304, headers, body: Buffer.alloc(0) };
    const body = encoding ? await encode(asset, encoding) : asset.body;
    return {
      status: 200,
      headers: {
        ...headers,
        'content-type': asset.type,
        'content-length': String(body.length),
        'x-content-type-options': 'nosniff',
        ...(encoding ? { 'content-encoding': encoding } : {}),
      },
      body,
    };
  };

  const render = async (acceptEncoding?: string, ifNoneMatch?: string) => {
    const { page, assets } = await build();
    const encoding = negotiate(acceptEncoding);
    // The browser asks for the assets next: have them compressed by then.
    if (encoding) for (const asset of assets.values()) if (asset.compressible) encode(asset, encoding).catch(() => {});
    return respond(page, acceptEncoding, ifNoneMatch);
  };

  const serveAsset = async (assetPath: string, acceptEncoding?: string, ifNoneMatch?: string) => {
    const asset = assetPath.startsWith(assetsPath)
      ? (await build()).assets.get(assetPath.slice(assetsPath.length))
      : undefined;
    if (!asset) return NOT_FOUND;
    return respond(asset, acceptEncoding, ifNoneMatch);
  };

  return {
    path,
    assetsPath,
    render,
    serveAsset,
    handles(req, requestPath) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (requestPath.startsWith(assetsPath)) return true;
      return requestPath === path && (req.headers.accept ?? '').includes('text/html');
    },
    async serve(req, res, requestPath) {
      const acceptEncoding = header(req.headers['accept-encoding']);
      const ifNoneMatch = header(req.headers['if-none-match']);
      const answer =
        requestPath === path
          ? await render(acceptEncoding, ifNoneMatch)
          : await serveAsset(requestPath, acceptEncoding, ifNoneMatch);
      res.writeHead(answer.status, answer.headers);
      res.end(req.method === 'HEAD' ? undefined : answer.body);
    },
  };
}

async function buildPage(options: GraphiQLPageOptions, assetsHref: string): Promise<Built> {
  const parts = await import('@graphql-yoga/render-graphiql/graphiql');
  const assets = new Map<string, Asset>();
  const add = (body: Buffer, extension: string, type: string, compressible = true): string => {
    const asset = createAsset(body, extension, type, IMMUTABLE, compressible);
    assets.set(asset.file, asset);
    return asset.file;
  };

  // Fonts leave the style sheet: most are unicode-range subsets (Cyrillic, Greek, …) that a browser
  // fetches only when the page shows such characters; inlined, every load carried all of them.
  const css = parts.css.replace(
    /url\((['"]?)data:(font\/[\w.+-]+);base64,([A-Za-z0-9+/=]+)\1\)/g,
    (_match, _quote: string, type: string, base64: string) => {
      const extension = type.slice('font/'.length);
      return `url(${add(Buffer.from(base64, 'base64'), extension, type, !extension.startsWith('woff'))})`;
    },
  );
  const workers = {
    editorWorkerService: add(Buffer.from(parts.editorWorkerService), 'js', JAVASCRIPT),
    json: add(Buffer.from(parts.jsonWorker), 'js', JAVASCRIPT),
    graphql: add(Buffer.from(parts.graphqlWorker), 'js', JAVASCRIPT),
  };
  // Monaco starts each worker from the URL getWorkerUrl gives; they sit beside this script.
  const script = `(function () {
  var base = document.currentScript.src;
  var workers = ${JSON.stringify(workers)};
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) {
      return workers[label] && new URL(workers[label], base).href;
    },
  };
})();
${parts.js};
(function () {
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  // GraphiQL puts \`variables\` over the stored ones on every load (adding a tab when they differ):
  // only a browser with no GraphiQL state yet gets them.
  try {
    if (localStorage.getItem('graphiql:tabState')) delete options.variables;
  } catch (_storageDenied) {}
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;
  const scriptFile = add(Buffer.from(script), 'js', JAVASCRIPT);
  const cssFile = add(Buffer.from(css), 'css', 'text/css; charset=utf-8');
  const favicon = options.favicon ?? `${assetsHref}${faviconFile(parts.favicon, add)}`;

  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${escapeHtml(favicon)}" />
    <link rel="stylesheet" href="${assetsHref}${cssFile}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script id="graphiql-options" type="application/json">${scriptSafeJson(options)}</script>
    <script src="${assetsHref}${scriptFile}"></script>
  </body>
</html>
`;
  return { page: createAsset(Buffer.from(html), 'html', 'text/html; charset=utf-8', REVALIDATE, true), assets };
}

const JAVASCRIPT = 'text/javascript; charset=utf-8';

/** In the shape of every refusal the server writes (src/lib/respond.ts). */
const NOT_FOUND: GraphiQLResponse = (() => {
  const body = Buffer.from(JSON.stringify({ errors: [{ message: 'Not found.', extensions: { code: 'NOT_FOUND' } }] }));
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) };
  return { status: 404, headers: { ...headers, 'cache-control': 'no-store' }, body };
})();

function faviconFile(dataUrl: string, add: (body: Buffer, extension: string, type: string) => string): string {
  const match = /^data:([\w./+-]+);base64,(.*)$/s.exec(dataUrl);
  if (!match?.[1] || match[2] === undefined) throw new Error('render-graphiql no longer inlines its favicon as base64');
  return add(Buffer.from(match[2], 'base64'), 'ico', match[1]);
}

function createAsset(
  body: Buffer,
  extension: string,
  type: string,
  cacheControl: string,
  compressible: boolean,
): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 20);
  return { file: `${hash}.${extension}`, type, body, etag: hash, cacheControl, compressible, encoded: new Map() };
}

/** Brotli when the client takes it, else gzip, else none; `;q=0` refuses one. */
export function negotiate(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    accepted.set(name, q ? Number(q.slice(2)) || 0 : 1);
  }
  const wildcard = accepted.get('*') ?? 0;
  if ((accepted.get('br') ?? wildcard) > 0) return 'br';
  if ((accepted.get('gzip') ?? accepted.get('x-gzip') ?? wildcard) > 0) return 'gzip';
  return null;
}

/** If-None-Match uses the weak comparison: `W/` is ignored. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value.replace(/^W\//, '') === etag;
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside a <script> element: no `</script>` or `<!--` can end it early. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
