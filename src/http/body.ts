import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before a byte is read; a chunked body is refused as soon as it passes the limit, so no burst
 * of oversized requests is ever buffered whole. The stream is left open: see `discardAndClose`.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.resolve({ ok: false, reason: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish({ ok: false, reason: 'too-large' });
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => finish({ ok: false, reason: 'aborted' });
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
}

/** The most of a refused body read (and dropped) before answering, so the client can read the answer. */
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;
const MAX_DISCARD_MS = 2_000;

/**
 * Refuses a body: reads and drops what the client is still sending (bounded in bytes and time),
 * then answers. Answering and closing while the client still sends resets the socket, and the
 * reset can wipe out the answer before the client reads it. Past the bounds the socket is closed.
 */
export function discardThen(req: IncomingMessage, answer: () => void): void {
  if (req.readableEnded) return answer();
  let dropped = 0;
  let done = false;
  const finish = (answered: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (answered) answer();
    else req.destroy();
  };
  const timer = setTimeout(() => finish(false), MAX_DISCARD_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > MAX_DISCARD_BYTES) finish(false);
  });
  req.once('end', () => finish(true));
  req.once('error', () => finish(false));
  req.resume();
}
