import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BREAK,
  type DirectiveNode,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  getOperationAST,
  Kind,
  visit,
} from 'graphql';
import { createLRUCache, processRegularResult, type YogaServerInstance } from 'graphql-yoga';
import type { Context } from './context.ts';
import { maskError } from '../schema/errors.ts';
import { responseDeadline } from '../http/response-deadline.ts';

/**
 * What the lane needs from the rest of the app: the same observers Yoga's plugins call, as plain
 * functions, so both lanes log, count and rate-limit one way (see the plugins that wrap them).
 */
export interface LaneObservers {
  /** The request arrived (Yoga's onRequest): its log line's clock starts. */
  began(request: Request): void;
  /**
   * Charges the caller for one operation; throws the RATE_LIMITED error when the bucket is empty.
   * A request charged here and then handed to Yoga is not charged again (see `markCharged`).
   */
  admit(request: Request, req: IncomingMessage): Promise<void>;
  /** An operation was asked for (Yoga's onParams). */
  started(request: Request, context: object, operationName: string | null): void;
  /** The operation ran (Yoga's onExecutionResult). */
  executed(context: object, result: ExecutionResult): void;
  /** The answer's result, about to be serialised (Yoga's onResultProcess). */
  processed(request: Request, result: ExecutionResult): void;
  /** The answer is ready: logs the request line; returns headers to add (the request id). */
  answered(request: Request, status: number): Record<string, string>;
}

export interface FastLaneOptions {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  observers: LaneObservers;
  /** With `require`, only persisted operations run: every request goes through Yoga's plugin. */
  persistedOperationsRequired: boolean;
  /** false (INTROSPECTION=false): documents asking for __schema or __type go to Yoga, which refuses them. */
  introspection: boolean;
  isDev: boolean;
  /** The operation's deadline (OPERATION_DEADLINE_MS): the lane's one abort signal per request. */
  deadlineMs: number;
}

/** A JSON POST body as the route parsed it. */
interface LaneParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

/** Distinct query texts whose verdict the lane keeps (each at most MAX_QUERY_LENGTH characters). */
const DOCUMENT_CACHE_SIZE = 1_000;

/**
 * The common request, run without Yoga's Fetch plumbing: a JSON POST of one operation given as
 * query text, from a client that takes a JSON answer. On bench scenario 1 Yoga's request and
 * response pipeline was about a third of the facade's CPU per request.
 *
 * The lane runs the same envelop instance Yoga runs (every plugin's execute and context hooks,
 * error masking), Yoga's own JSON result processor, and the observers above in Yoga's order.
 * Anything else returns false and goes through Yoga: GET, batches, persisted operations, other
 * parameters, CORS requests (an Origin header), Accept values without a JSON type, and documents
 * that are invalid, stream (@defer/@stream) or are not queries. Parse and validation run once
 * per distinct query text. `test/e2e/fast-lane.test.ts` compares both lanes answer for answer.
 */
export function createFastLane(options: FastLaneOptions) {
  const { yoga, observers } = options;
  // Documents seen before: valid and plain (no @defer/@stream), or `null` when Yoga must answer them.
  const documents = createLRUCache<{ document: DocumentNode } | { document: null }>({ max: DOCUMENT_CACHE_SIZE });

  function plainDocument(params: LaneParams, context: object): DocumentNode | null {
    const known = documents.get(params.query);
    if (known) return known.document;
    const enveloped = yoga.getEnveloped(context);
    let document: DocumentNode | null = null;
    try {
      const parsed = enveloped.parse(params.query);
      const plain = enveloped.validate(enveloped.schema, parsed).length === 0 && !streams(parsed);
      // Yoga's introspection switch works per request, in a hook the lane does not run: fail closed.
      if (plain && (options.introspection || !asksForSchema(parsed))) document = parsed;
    } catch {
      // a parse error (or a limit refused while parsing): Yoga words the answer
    }
    documents.set(params.query, { document });
    return document;
  }

  return async function runInLane(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<boolean> {
    const mediaType = jsonMediaType(req.headers.accept);
    if (!mediaType || req.headers.origin !== undefined || options.persistedOperationsRequired || !isLaneParams(body))
      return false;
    // One signal for the request: aborted when the client leaves or the operation's deadline passes.
    const { signal } = responseDeadline(res, options.deadlineMs);
    const request = new yoga.fetchAPI.Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/graphql'}`, {
      method: 'POST',
      headers: req.headers as Record<string, string>,
      signal,
    });
    const context: Record<string, unknown> = {
      req,
      res,
      request,
      params: body,
      operationSignal: signal,
      waitUntil: ignoreRejection,
    };
    observers.began(request);
    // Charged before parsing, as Yoga does: a caller over the limit costs no parse or validation.
    let result = await refusal(request, req);
    if (!result) {
      const document = plainDocument(body, context);
      if (!document || getOperationAST(document, body.operationName)?.operation !== 'query') return false;
      result = await execute(document, body, request, context);
    }
    observers.processed(request, result);
    await send(res, request, result, mediaType);
    return true;
  };

  /** The rate limit's answer when it refuses the request, as Yoga gives it when its plugin throws. */
  async function refusal(request: Request, req: IncomingMessage): Promise<ExecutionResult | null> {
    try {
      await observers.admit(request, req);
      return null;
    } catch (error) {
      return { errors: [maskError(error, 'Unexpected error.', options.isDev)] };
    }
  }

  async function execute(
    document: DocumentNode,
    params: LaneParams,
    request: Request,
    context: Record<string, unknown>,
  ): Promise<ExecutionResult> {
    observers.started(request, context, params.operationName ?? null);
    const result = await run(document, params, context);
    observers.executed(context, result);
    return result;
  }

  async function run(
    document: DocumentNode,
    params: LaneParams,
    context: Record<string, unknown>,
  ): Promise<ExecutionResult> {
    try {
      const enveloped = yoga.getEnveloped(context);
      const contextValue = await enveloped.contextFactory();
      return (await enveloped.execute({
        schema: enveloped.schema,
        document,
        contextValue,
        variableValues: params.variables ?? null,
        operationName: params.operationName ?? null,
      })) as ExecutionResult;
    } catch (error) {
      return { errors: [maskError(error, 'Unexpected error.', options.isDev)] };
    }
  }

  async function send(
    res: ServerResponse,
    request: Request,
    result: ExecutionResult,
    mediaType: string,
  ): Promise<void> {
    const response = processRegularResult(result, yoga.fetchAPI, mediaType);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const text = await response.text();
    Object.assign(headers, observers.answered(request, response.status));
    if (res.destroyed) return;
    res.writeHead(response.status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  }
}

const LANE_PARAMS = new Set(['query', 'variables', 'operationName', 'extensions']);

/** Exactly the parameters Yoga accepts, with the types it accepts, and no persisted query. */
function isLaneParams(body: unknown): body is LaneParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  for (const key in body) if (!LANE_PARAMS.has(key)) return false;
  const { query, variables, operationName, extensions } = body as Record<string, unknown>;
  return (
    typeof query === 'string' &&
    (variables == null || isPlainObject(variables)) &&
    (operationName == null || typeof operationName === 'string') &&
    (extensions == null || (isPlainObject(extensions) && !('persistedQuery' in extensions)))
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const JSON_TYPES = ['application/graphql-response+json', 'application/json'];

/**
 * The JSON media type Yoga answers with for this Accept header, or null when its choice would not
 * be a plain JSON answer. Mirrors Yoga's negotiation: the header's types are taken last to first,
 * each against both JSON types, and the last match wins; a charset other than utf-8 drops a type.
 */
export function jsonMediaType(accept: string | undefined): string | null {
  const asked = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',');
  let chosen: string | null = null;
  for (const entry of asked.reverse()) {
    const [type = '', ...params] = entry.split(';');
    const charset = params.find((param) => param.includes('charset=')) ?? 'charset=utf-8';
    if (charset !== 'charset=utf-8') continue;
    for (const jsonType of JSON_TYPES) if (matches(type, jsonType)) chosen = jsonType;
  }
  return chosen;
}

function matches(asked: string, offered: string): boolean {
  const [askedType, askedSubtype] = asked.split('/');
  const [type, subtype] = offered.split('/');
  return (askedType === '*' || askedType === type) && (askedSubtype === '*' || askedSubtype === subtype);
}

/** Introspection fields (`__typename` is not one). */
const SCHEMA_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);
/** Incremental delivery, which only Yoga's multipart/SSE processors answer. */
const INCREMENTAL_DIRECTIVES: ReadonlySet<string> = new Set(['defer', 'stream']);

const asksForSchema = (document: DocumentNode) => mentions(document, Kind.FIELD, SCHEMA_FIELDS);
const streams = (document: DocumentNode) => mentions(document, Kind.DIRECTIVE, INCREMENTAL_DIRECTIVES);

/** Whether any field or directive (as `kind` says) of the document, fragments included, has one of these names. */
function mentions(document: DocumentNode, kind: Kind.FIELD | Kind.DIRECTIVE, names: ReadonlySet<string>): boolean {
  let found = false;
  visit(document, {
    [kind](node: FieldNode | DirectiveNode) {
      if (!names.has(node.name.value)) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

function ignoreRejection(promise: Promise<unknown> | undefined): void {
  if (promise) promise.catch(() => undefined);
}
