import { type DocumentNode, type ExecutionResult, getOperationAST, Kind } from 'graphql';
import { createLRUCache, type Plugin, processRegularResult } from 'graphql-yoga';
import { maskError } from '../schema/errors.ts';
import {
  isPlainParams,
  jsonMediaType,
  mentions,
  type PlainParams,
  SCHEMA_FIELDS,
  STREAMING,
} from './direct-requests.ts';
import { PlannedResult } from './plan/result.ts';
import type { GraphQLPlugins } from './plugins/index.ts';
import type { ServerContext, Yoga } from './server-context.ts';

/** Hooks Yoga runs around an operation that the direct path does not: each plugin having one must be known to it. */
const YOGA_LEVEL_HOOKS = [
  'onRequest',
  'onRequestParse',
  'onParams',
  'onExecutionResult',
  'onResultProcess',
  'onResponse',
];
const DOCUMENT_CACHE_SIZE = 1_000;

/**
 * A transport for the common request, beside Yoga: a JSON POST of one query, given as text, from a
 * client that takes a JSON answer. It runs the same envelop instance (every envelop hook, masking)
 * and Yoga's own JSON result processor, without Yoga's Fetch Request/Response plumbing. Anything
 * else returns false and goes to Yoga. docs/decisions/0001-direct-graphql-transport.md says why it exists.
 */
export function createDirectPath(yoga: Yoga, plugins: GraphQLPlugins, options: DirectPathOptions) {
  assertSkippable(plugins);
  // Valid plain query documents seen before, or null for those Yoga must answer (invalid, streamed, introspection when off).
  const documents = createLRUCache<{ document: DocumentNode | null }>({ max: DOCUMENT_CACHE_SIZE });
  const documentOf = (params: PlainParams, server: ServerContext): DocumentNode | null => {
    const known = documents.get(params.query);
    if (known) return known.document;
    // A probe, not an operation: no request record to report to. Yoga's own hooks read the Fetch request.
    const { req } = server;
    const request = new yoga.fetchAPI.Request(`http://localhost${req.url}`, {
      method: 'POST',
      headers: headersOf(req),
    });
    const enveloped = yoga.getEnveloped({ req, res: server.res, params, request });
    let document: DocumentNode | null = null;
    try {
      const parsed = enveloped.parse(params.query);
      const plain =
        enveloped.validate(enveloped.schema, parsed).length === 0 && !mentions(parsed, Kind.DIRECTIVE, STREAMING);
      if (plain && (options.introspection || !mentions(parsed, Kind.FIELD, SCHEMA_FIELDS))) document = parsed;
    } catch {
      // a parse error, or a limit refused while parsing: Yoga words the answer
    }
    documents.set(params.query, { document });
    return document;
  };

  return async function answer(server: ServerContext): Promise<boolean> {
    const { req, res, parsedBody: params } = server;
    const mediaType = jsonMediaType(req.headers.accept);
    if (!mediaType || req.headers.origin !== undefined || options.persistedOperationsRequired) return false;
    if (req.method !== 'POST' || !isPlainParams(params)) return false;
    const document = documentOf(params, server);
    if (!document || getOperationAST(document, params.operationName)?.operation !== 'query') return false;
    const result = await execute(yoga, document, params, server);
    if (result instanceof PlannedResult) return writePlanned(res, result, mediaType);
    const response = processRegularResult(result, yoga.fetchAPI, mediaType);
    const text = await response.text();
    if (res.destroyed) return true;
    const headers: Record<string, string> = { 'content-length': String(Buffer.byteLength(text)) };
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    res.writeHead(response.status, headers);
    res.end(text);
    return true;
  };
}

/** A planned answer has data and no errors: Yoga's processor would answer 200 with its text; without a Fetch Response. */
function writePlanned(res: ServerContext['res'], result: PlannedResult, mediaType: string): true {
  if (res.destroyed) return true;
  const text = result.text();
  res.writeHead(200, [
    'content-length',
    String(Buffer.byteLength(text)),
    'content-type',
    `${mediaType}; charset=utf-8`,
  ]);
  res.end(text);
  return true;
}

export interface DirectPathOptions {
  /** With PERSISTED_OPERATIONS=require every request goes to Yoga's persisted-operations plugin. */
  persistedOperationsRequired: boolean;
  /** false: documents asking for __schema or __type go to Yoga, which refuses them. */
  introspection: boolean;
}

async function execute(yoga: Yoga, document: DocumentNode, params: PlainParams, server: ServerContext) {
  try {
    const enveloped = yoga.getEnveloped({ ...server, params });
    const contextValue = await enveloped.contextFactory();
    const { variables = null, operationName = null } = params;
    const args = { schema: enveloped.schema, document, contextValue, variableValues: variables, operationName };
    return (await enveloped.execute(args)) as ExecutionResult;
  } catch (error) {
    return { errors: [maskError(error, 'Unexpected error.')] };
  }
}

/** At start-up: a plugin whose Yoga-level hooks the direct path would silently skip is a wiring error. */
export function assertSkippable({ plugins, directPathMaySkip }: GraphQLPlugins): void {
  for (const plugin of plugins) {
    const hooks = YOGA_LEVEL_HOOKS.filter((hook) => hook in plugin);
    if (hooks.length > 0 && !directPathMaySkip.has(plugin)) {
      throw new Error(
        `The direct GraphQL path would skip ${hooks.join(', ')} of a plugin it does not know (${describe(plugin)}).`,
      );
    }
  }
}

const describe = (plugin: Plugin) => Object.keys(plugin).join(', ');

function headersOf(req: ServerContext['req']): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  return headers;
}
