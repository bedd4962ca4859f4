// The call record: what the facade sent, so tests can assert calls and counts. It
// names the organisation a token belongs to and never holds a raw token: the
// authorization header is left out, and any known token found elsewhere (a query
// parameter, another header) is redacted.
import type { CallFilter, CallRecord, RecordedCall } from './types.ts';

export type CallStart = Omit<RecordedCall, 'seq' | 'startedAt' | 'endedAt' | 'status' | 'fault'>;

export interface CallRecorder extends CallRecord {
  /** Records a new call; the server completes the returned entry as the response ends. */
  start(call: CallStart): RecordedCall;
}

const REDACTED = '[redacted]';

export function createCallRecorder(options: { limit: number; secrets: readonly string[] }): CallRecorder {
  let calls: RecordedCall[] = [];
  let seq = 0;
  const redact = (value: string): string =>
    options.secrets.reduce((text, secret) => (text.includes(secret) ? text.split(secret).join(REDACTED) : text), value);
  const redactValues = (values: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, redact(value)]));
  const matching = (filter: CallFilter | undefined) =>
    calls.filter(
      (call) =>
        (filter?.endpoint === undefined || call.endpoint === filter.endpoint) &&
        (filter?.organisation === undefined || call.organisation === filter.organisation),
    );

  return {
    start(call) {
      seq += 1;
      const entry: RecordedCall = {
        seq,
        method: call.method,
        path: redact(call.path),
        endpoint: call.endpoint,
        query: redactValues(call.query),
        organisation: call.organisation,
        authorization: call.authorization,
        headers: redactValues(call.headers),
        startedAt: performance.now(),
        endedAt: null,
        status: null,
        fault: null,
      };
      calls.push(entry);
      if (calls.length > options.limit) calls.splice(0, calls.length - options.limit);
      return entry;
    },
    list(filter) {
      return matching(filter).map((call) => ({ ...call, query: { ...call.query }, headers: { ...call.headers } }));
    },
    count(filter) {
      return matching(filter).length;
    },
    clear() {
      calls = [];
    },
  };
}
