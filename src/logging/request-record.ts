import { type ExecutionResult, type GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { requestIdFrom } from './request-id.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestLog {
  /** A Yoga plugin: writes one line per GraphQL HTTP request and echoes the request id header. */
  plugin: Plugin;
  /** The id of this request: the caller's `x-request-id` when sane, else a generated one. */
  requestIdOf(request: Request): string;
  /** What the plugin's hooks do, for the fast lane (src/http/fast-lane.ts), which runs without them. */
  began(request: Request): void;
  requested(request: Request, operationName: string | null): void;
  processed(request: Request, result: ResultOrResults): void;
  /** Writes the request's line; returns its id for the `x-request-id` header. */
  answered(request: Request, status: number): string;
}

type ResultOrResults = ExecutionResult | ExecutionResult[] | AsyncIterable<unknown>;

interface RequestFacts {
  id: string;
  startedAt: number;
  /** Names of operations executed, or (when none ran) of those asked for. */
  executed: string[];
  requested: string[];
  codes: string[];
}

export function createRequestLog(logger: Logger, now: () => number = () => performance.now()): RequestLog {
  const seen = new WeakMap<Request, RequestFacts>();
  const factsOf = (request: Request): RequestFacts => {
    let facts = seen.get(request);
    if (!facts) {
      facts = {
        id: requestIdFrom(request.headers.get(REQUEST_ID_HEADER)),
        startedAt: now(),
        executed: [],
        requested: [],
        codes: [],
      };
      seen.set(request, facts);
    }
    return facts;
  };

  const requested = (request: Request, operationName: string | null) => {
    factsOf(request).requested.push(operationName ?? '(anonymous)');
  };
  const processed = (request: Request, result: ResultOrResults) => {
    const results = Symbol.asyncIterator in result ? [] : Array.isArray(result) ? result : [result];
    const codes = results.flatMap((r) =>
      (r.errors ?? []).map((e: GraphQLError) => String(e.extensions?.['code'] ?? 'UNKNOWN')),
    );
    factsOf(request).codes.push(...codes);
  };
  const answered = (request: Request, status: number): string => {
    const facts = factsOf(request);
    const line = {
      requestId: facts.id,
      operationName: (facts.executed.length ? facts.executed : facts.requested).join(',') || null,
      status,
      durationMs: Math.round(now() - facts.startedAt),
      codes: [...new Set(facts.codes)],
    };
    if (facts.codes.includes('INTERNAL_SERVER_ERROR') || status >= 500) logger.error(line, 'graphql request');
    else if (facts.codes.some((code) => code.startsWith('UPSTREAM_') || code === 'RATE_LIMITED'))
      logger.warn(line, 'graphql request');
    else logger.info(line, 'graphql request');
    return facts.id;
  };

  const plugin: Plugin = {
    onRequest({ request }) {
      factsOf(request);
    },
    onParams({ request, params }) {
      requested(request, params.operationName ?? null);
    },
    onExecute({ args }) {
      const name = getOperationAST(args.document, args.operationName)?.name?.value ?? '(anonymous)';
      factsOf(args.contextValue.request).executed.push(name);
    },
    onResultProcess({ request, result }) {
      processed(request, result);
    },
    onResponse({ request, response }) {
      const id = answered(request, response.status);
      try {
        response.headers.set(REQUEST_ID_HEADER, id);
      } catch {
        // an immutable response (e.g. Response.error()) keeps its headers
      }
    },
  };
  return {
    plugin,
    requestIdOf: (request) => factsOf(request).id,
    began: (request) => void factsOf(request),
    requested,
    processed,
    answered,
  };
}
