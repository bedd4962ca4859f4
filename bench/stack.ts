// A sandbox, optionally the pass-through proxy, and the facade in front of the sandbox, each in
// its own child process, plus the client side the scenarios use to talk to them.
import type { Pool } from 'undici';
import type { SandboxOptions } from '../src/sandbox/index.ts';
import { type SandboxAdmin, sandboxAdmin } from './admin.ts';
import { type ChildServer, detail, startChild } from './children.ts';
import { createPool, type HttpCall } from './load.ts';

export interface BenchStack {
  sandbox: ChildServer;
  facade: ChildServer;
  proxy: ChildServer | null;
  /** http://127.0.0.1:PORT/api */
  sandboxUrl: string;
  sandboxOrigin: string;
  facadeOrigin: string;
  proxyOrigin: string | null;
  /** The first organisation's bearer token. */
  token: string;
  /** Ids of the first organisation's newest invoices. */
  invoiceIds: string[];
  admin: SandboxAdmin;
  stop(): Promise<void>;
}

export interface StackOptions {
  sandbox: SandboxOptions;
  proxy?: boolean;
  facadeEnv?: Record<string, string>;
  facadeNodeFlags?: string[];
  /** An open file for the facade's stdout (its log lines, and V8's traces); none by default. */
  facadeStdout?: number;
  /** Run the facade from another checkout (see bench/ab.ts). */
  facadeRoot?: string;
}

const CURSOR_SECRET = 'bench-cursor-secret-0123456789abcdefghijklmnop';

/**
 * The bench sends everything with one token, which the per-caller rate limit (600 a minute by
 * default) would refuse: the limit is raised out of reach, so the limiter still runs on every
 * request but never says no.
 */
export const BENCH_FACADE_ENV: Record<string, string> = {
  RATE_LIMIT_PER_MINUTE: '1000000',
  RATE_LIMIT_BURST: '1000000',
};

/**
 * BENCH_FACADE_VARS (`NAME=value NAME=value`): environment for every scenario's facade and for it
 * alone, e.g. a C library setting tried out without it reaching the sandbox and the load as well.
 */
function facadeVars(): Record<string, string> {
  const words = (process.env['BENCH_FACADE_VARS'] ?? '').split(' ').filter(Boolean);
  return Object.fromEntries(
    words.map((word) => {
      const at = word.indexOf('=');
      if (at < 1) throw new Error(`BENCH_FACADE_VARS: "${word}" is not NAME=value`);
      return [word.slice(0, at), word.slice(at + 1)];
    }),
  );
}

export async function startStack(options: StackOptions): Promise<BenchStack> {
  const sandbox = await startChild('sandbox', { env: { BENCH_SANDBOX_OPTIONS: JSON.stringify(options.sandbox) } });
  const started: ChildServer[] = [sandbox];
  try {
    const sandboxUrl = detail(sandbox, 'url');
    const sandboxOrigin = new URL(sandboxUrl).origin;
    const facade = await startChild('facade', {
      // Defaults otherwise (log level info: a JSON line per request is part of what the facade costs).
      env: { PARTNER_API_URL: sandboxUrl, CURSOR_SECRET, ...BENCH_FACADE_ENV, ...facadeVars(), ...options.facadeEnv },
      stdout: options.facadeStdout ?? 'ignore',
      ...(options.facadeNodeFlags ? { nodeFlags: options.facadeNodeFlags } : {}),
      // BENCH_FACADE_ROOT runs every scenario's facade from another checkout (a change tried out of tree).
      ...((options.facadeRoot ?? process.env['BENCH_FACADE_ROOT'])
        ? { root: options.facadeRoot ?? process.env['BENCH_FACADE_ROOT'] }
        : {}),
    });
    started.push(facade);
    const proxy = options.proxy ? await startChild('proxy', { env: { BENCH_UPSTREAM: sandboxOrigin } }) : null;
    if (proxy) started.push(proxy);
    const invoiceIds = sandbox.details['invoiceIds'];
    return {
      sandbox,
      facade,
      proxy,
      sandboxUrl,
      sandboxOrigin,
      facadeOrigin: detail(facade, 'origin'),
      proxyOrigin: proxy ? detail(proxy, 'origin') : null,
      token: detail(sandbox, 'token'),
      invoiceIds: Array.isArray(invoiceIds) ? invoiceIds.filter((id): id is string => typeof id === 'string') : [],
      admin: sandboxAdmin(sandboxUrl),
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** Another facade in front of a stack's sandbox, with settings of its own (e.g. to compare two configurations). */
export function startFacade(sandboxUrl: string, env: Record<string, string> = {}): Promise<ChildServer> {
  return startChild('facade', {
    env: { PARTNER_API_URL: sandboxUrl, CURSOR_SECRET, ...BENCH_FACADE_ENV, ...env },
    stdout: 'ignore',
  });
}

async function stopAll(servers: readonly ChildServer[]): Promise<void> {
  for (const server of [...servers].reverse()) await server.stop();
}

export function graphqlCall(token: string, query: string, variables: Record<string, unknown> = {}): HttpCall {
  return {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  };
}

export function restCall(token: string, path: string): HttpCall {
  return { method: 'GET', path, headers: { accept: 'application/json', authorization: `Bearer ${token}` } };
}

export interface Answer {
  status: number;
  json: unknown;
  ms: number;
}

/** One request, timed from send to the last byte of the body, which is parsed as JSON. */
export async function send(pool: Pool, call: HttpCall): Promise<Answer> {
  const t0 = performance.now();
  const res = await pool.request({
    method: call.method,
    path: call.path,
    headers: call.headers,
    ...(call.body === undefined ? {} : { body: call.body }),
  });
  const text = await res.body.text();
  const ms = performance.now() - t0;
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.statusCode, json, ms };
}

/** The `data` of a GraphQL answer, or an Error saying why there is none usable. */
export function graphqlData(answer: Answer): Record<string, unknown> {
  const body = answer.json;
  if (typeof body !== 'object' || body === null) throw new Error(`GraphQL answer is not JSON (HTTP ${answer.status})`);
  const { data, errors } = body as { data?: Record<string, unknown> | null; errors?: { message: string }[] };
  if (errors && errors.length > 0)
    throw new Error(`GraphQL errors (HTTP ${answer.status}): ${errors.map((e) => e.message).join('; ')}`);
  if (!data) throw new Error(`GraphQL answer without data (HTTP ${answer.status})`);
  return data;
}

export { createPool };
