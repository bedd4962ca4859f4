import { randomUUID } from 'node:crypto';

// Long enough for UUIDs, ULIDs and trace ids; nothing that could break a header or a log line.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@=+/-]{1,128}$/;

/** The caller's request id when it is sane, else a fresh one. */
export function requestIdFrom(value: string | null | undefined): string {
  return value && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}
