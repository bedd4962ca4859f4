// Admin routes on the sandbox's own port, for tests and scripts that run the sandbox
// out of process. No token: the sandbox is a development tool bound to 127.0.0.1.
// Admin requests are not part of the call record.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallRecorder } from './calls.ts';
import { type FaultEngine, FaultRuleError, parseFaultRule, parseFaultRules } from './faults.ts';
import type { CallFilter, Endpoint } from './types.ts';

export interface AdminDependencies {
  calls: CallRecorder;
  faults: FaultEngine;
}

const MAX_BODY_BYTES = 1024 * 1024;
const ENDPOINTS: readonly Endpoint[] = ['customers', 'invoices', 'invoiceFile', 'subscriptions'];

export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  query: ReadonlyMap<string, string>,
  deps: AdminDependencies,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'PUT' && method !== 'POST') req.resume();
  if (pathname === '/__admin/calls') {
    if (method === 'GET') return reply(res, 200, deps.calls.list(callFilter(query)));
    if (method === 'DELETE') {
      deps.calls.clear();
      return reply(res, 204);
    }
    req.resume();
    return notAllowed(res, 'GET, DELETE');
  }
  if (pathname === '/__admin/faults') {
    if (method === 'GET') return reply(res, 200, deps.faults.list());
    if (method === 'DELETE') {
      deps.faults.clear();
      return reply(res, 204);
    }
    if (method === 'PUT' || method === 'POST') return changeFaults(req, res, method, deps.faults);
    return notAllowed(res, 'GET, PUT, POST, DELETE');
  }
  req.resume();
  reply(res, 404, { message: `No admin route ${pathname}: use /__admin/calls or /__admin/faults` });
}

async function changeFaults(
  req: IncomingMessage,
  res: ServerResponse,
  method: 'PUT' | 'POST',
  faults: FaultEngine,
): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    return reply(res, 400, {
      message: `The body must be JSON: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  try {
    if (method === 'PUT') faults.set(parseFaultRules(body));
    else faults.add(parseFaultRule(body));
  } catch (error) {
    if (error instanceof FaultRuleError) return reply(res, 400, { message: error.message });
    throw error;
  }
  reply(res, method === 'PUT' ? 200 : 201, faults.list());
}

function callFilter(query: ReadonlyMap<string, string>): CallFilter {
  const endpoint = ENDPOINTS.find((candidate) => candidate === query.get('endpoint'));
  const organisation = query.get('organisation');
  return { ...(endpoint === undefined ? {} : { endpoint }), ...(organisation === undefined ? {} : { organisation }) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function notAllowed(res: ServerResponse, allow: string): void {
  reply(res, 405, { message: `Method not allowed: use ${allow}` }, { allow });
}

function reply(res: ServerResponse, status: number, payload?: unknown, headers: Record<string, string> = {}): void {
  if (payload === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(body.length),
    ...headers,
  });
  res.end(body);
}
