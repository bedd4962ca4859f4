// The sandbox's admin routes (its own port, no token): the call record and fault rules.
import { request } from 'undici';
import type { FaultRule, RecordedCall } from '../src/sandbox/index.ts';

export interface SandboxAdmin {
  clearCalls(): Promise<void>;
  calls(): Promise<RecordedCall[]>;
  setFaults(rules: FaultRule[]): Promise<void>;
}

export function sandboxAdmin(sandboxUrl: string): SandboxAdmin {
  const origin = new URL(sandboxUrl).origin;
  async function call(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const res = await request(`${origin}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`sandbox admin ${method} ${path}: HTTP ${res.statusCode} ${text}`);
    return text === '' ? null : JSON.parse(text);
  }
  return {
    clearCalls: async () => void (await call('DELETE', '/__admin/calls')),
    calls: async () => (await call('GET', '/__admin/calls')) as RecordedCall[],
    setFaults: async (rules) => void (await call('PUT', '/__admin/faults', rules)),
  };
}

/**
 * How many upstream round trips a set of calls took one after another: the longest chain of calls
 * in which each one started after the one before it had ended. Three calls in parallel are one
 * round trip; a page and the look-ahead that needed its token are two, whatever overlaps them.
 */
export function serialRoundTrips(calls: readonly RecordedCall[]): number {
  const sorted = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  const chain: number[] = [];
  let longest = 0;
  sorted.forEach((call, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) {
      const earlier = sorted[j];
      const end = earlier?.endedAt;
      if (end !== null && end !== undefined && end <= call.startedAt) before = Math.max(before, chain[j] ?? 0);
    }
    chain.push(before + 1);
    longest = Math.max(longest, before + 1);
  });
  return longest;
}
