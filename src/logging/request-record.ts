import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute, Metrics } from '../observability/metrics.ts';
import type { Logger } from './logger.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

// Long enough for UUIDs, ULIDs and trace ids; nothing that could break a header or a log line.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@=+/-]{1,128}$/;

/** The caller's request id when it is sane, else a fresh one. */
export function requestIdFrom(value: string | string[] | null | undefined): string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * What one HTTP request did, filled in as it goes and written when its response closes: HTTP
 * metrics for every route, and one log line for the routes that do work for a caller.
 */
export interface RequestRecord {
  readonly id: string;
  /** An operation the request ran (or, when none ran, asked for). */
  operation(name: string | null | undefined): void;
  /** An error code in the answer (`extensions.code`). */
  code(code: string): void;
  /** Route-specific fields of the log line; never a token, a whole ticket or a body. */
  note(fields: Record<string, string | number | boolean>): void;
}

export interface RequestRecords {
  start(req: IncomingMessage, res: ServerResponse, route: HttpRoute): RequestRecord;
}

/** The log message of each route that writes a line; the others count in metrics only. */
const LINE_MESSAGES: Partial<Record<HttpRoute, string>> = {
  graphql: 'graphql request',
  downloads: 'invoice pdf download',
};

export function createRequestRecords(logger: Logger, metrics: Metrics): RequestRecords {
  return {
    start(req, res, route) {
      const startedAt = performance.now();
      const done = metrics.httpStarted();
      const id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      const operations: string[] = [];
      const codes = new Set<string>();
      const fields: Record<string, string | number | boolean> = {};
      res.once('close', () => {
        done();
        const seconds = (performance.now() - startedAt) / 1000;
        metrics.observeHttp(route, res.writableFinished ? res.statusCode : 'aborted', seconds);
        const message = LINE_MESSAGES[route];
        if (!message) return;
        // 499: the client left before an answer started.
        const status = res.headersSent ? res.statusCode : 499;
        const aborted = res.headersSent && !res.writableFinished;
        const line = {
          requestId: id,
          method: req.method ?? '',
          ...(route === 'graphql' ? { operationName: operations.join(',') || null, codes: [...codes] } : {}),
          ...(route === 'graphql' || codes.size === 0 ? {} : { code: [...codes].at(-1) }),
          ...fields,
          status,
          durationMs: Math.round(seconds * 1000),
          ...(aborted ? { aborted } : {}),
        };
        logger[levelOf(status, codes, aborted)](line, message);
      });
      return {
        id,
        operation: (name) => void operations.push(name ?? '(anonymous)'),
        code: (code) => void codes.add(code),
        note: (more) => void Object.assign(fields, more),
      };
    },
  };
}

function levelOf(status: number, codes: Set<string>, aborted: boolean): 'error' | 'warn' | 'info' {
  if (status >= 500 || codes.has('INTERNAL_SERVER_ERROR')) return 'error';
  if (aborted && codes.size > 0) return 'warn';
  for (const code of codes) if (code.startsWith('UPSTREAM_') || code === 'RATE_LIMITED') return 'warn';
  return 'info';
}
