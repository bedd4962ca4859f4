// Child process: the floor a facade is compared with. A minimal keep-alive pass-through proxy:
// every request goes to BENCH_UPSTREAM (same path, same Authorization) over an undici Pool,
// and the answer is streamed back unchanged.
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { listenAndAnnounce } from './ipc.ts';

const upstream = new URL(process.env['BENCH_UPSTREAM'] ?? 'http://127.0.0.1:1');
const pool = new Pool(upstream.origin, { connections: 32, keepAliveTimeout: 30_000 });

const server = createServer((req, res) => {
  req.resume();
  const authorization = req.headers.authorization;
  pool
    .request({ method: 'GET', path: req.url ?? '/', headers: authorization ? { authorization } : {} })
    .then(async (answer) => {
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'content-length']) {
        const value = answer.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      res.writeHead(answer.statusCode, headers);
      await pipeline(answer.body, res);
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
});
listenAndAnnounce(server, () => pool.close());
