import { createServer, type RequestListener, type Server } from 'node:http';
import { sendError } from '../lib/respond.ts';

/**
 * The HTTP server for the app's listener. A client that announces an oversized body with
 * `Expect: 100-continue` is refused (413) before it sends a byte, instead of getting Node's
 * automatic `100 Continue`.
 */
export function createAppServer(handle: RequestListener, maxBodyBytes: number): Server {
  const server = createServer(handle);
  server.on('checkContinue', (req, res) => {
    if (Number(req.headers['content-length'] ?? Number.NaN) > maxBodyBytes) {
      return sendError(res, 413, 'BAD_USER_INPUT', `The request body is over ${maxBodyBytes} bytes.`, {
        connection: 'close',
      });
    }
    res.writeContinue();
    handle(req, res);
  });
  return server;
}
