import type { ServerResponse } from 'node:http';

/** A short JSON answer; never carries a stack, a path or anything the caller sent. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A GraphQL-shaped refusal, so GraphQL clients can read `extensions.code`. */
export function sendGraphQLError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

/** Writes a Fetch Response (from yoga.fetch) to Node's response, streaming multipart/SSE bodies as they come. */
export async function writeFetchResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value; // Fetch header names may keep their case: avoid duplicates
  });
  if (!isStreamed(response)) {
    // One write for an ordinary JSON answer: no async iteration, an exact Content-Length.
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, { ...headers, 'content-length': String(body.length) });
    return void res.end(body);
  }
  res.writeHead(response.status, headers);
  if (!response.body) return void res.end();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (res.destroyed) break;
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  res.end();
}

/** Incremental delivery (@defer/@stream multipart, server-sent events) must be written as it comes. */
function isStreamed(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return type.startsWith('multipart/') || type.startsWith('text/event-stream');
}
