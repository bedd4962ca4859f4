import type { AppDeps } from '../../src/app.ts';
import { type Stack, startStack } from './stack.ts';

// Two facades that must answer alike (two transports, two executors): what both comparison tests share.

/** A facade and the JSON log lines it wrote. */
export interface Lane {
  stack: Stack;
  lines: Record<string, unknown>[];
}

export async function startLane(env: Record<string, string>, deps: AppDeps): Promise<Lane> {
  const lines: Record<string, unknown>[] = [];
  const stack = await startStack({
    env: { LOG_LEVEL: 'info', ...env },
    deps: {
      ...deps,
      logDestination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    },
  });
  return { stack, lines };
}

/** Headers that differ between any two answers, whichever facade gives them. */
const VARYING_HEADERS: ReadonlySet<string> = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);

/** What a client sees of an answer: its status, the headers that do not vary between runs, its text. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The x-request-id the facade answered with. */
  requestId: string | null;
}

/** POSTs `body` as JSON with the first organisation's token (`headers` may override it). */
export async function post(lane: Lane, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(lane.stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${lane.stack.orgA.token}`, ...headers },
    body: JSON.stringify(body),
  });
  const picked = Object.fromEntries([...res.headers].filter(([name]) => !VARYING_HEADERS.has(name)));
  return { status: res.status, headers: picked, text: await res.text(), requestId: res.headers.get('x-request-id') };
}

/** The last request line, without what differs between any two runs. */
export function lastRequestLine(lane: Lane): Record<string, unknown> | undefined {
  const line = lane.lines.filter((l) => l['msg'] === 'graphql request').at(-1);
  if (!line) return undefined;
  const { time: _time, pid: _pid, hostname: _hostname, durationMs: _duration, requestId: _id, ...stable } = line;
  return stable;
}

/** The operation and error series of /metrics, sorted. */
export async function operationSeries(lane: Lane): Promise<string[]> {
  const text = await (await fetch(`${lane.stack.origin}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => /^partner_graph_(graphql_operations_total|graphql_errors_total)\{/.test(line))
    .sort();
}

/** A counter's value for each of `values` of its one label, from /metrics (0 where absent). */
export async function counterValues<V extends string>(
  lane: Lane,
  metric: string,
  label: string,
  values: readonly V[],
): Promise<Record<V, number>> {
  const text = await (await fetch(`${lane.stack.origin}/metrics`)).text();
  const count = (value: V) =>
    Number(new RegExp(`^${metric}\\{${label}="${value}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return Object.fromEntries(values.map((value) => [value, count(value)])) as Record<V, number>;
}
