import { BREAK, type DocumentNode, type ExecutionResult, getOperationAST, Kind, visit } from 'graphql';
import { createLRUCache, type Plugin, processRegularResult } from 'graphql-yoga';
import { maskError } from '../schema/errors.ts';
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
const PARAMS = new Set(['query', 'variables', 'operationName', 'extensions']);

interface PlainParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

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

function isPlainParams(body: unknown): body is PlainParams {
  if (!isObject(body)) return false;
  for (const key in body) if (!PARAMS.has(key)) return false;
  const { query, variables, operationName, extensions } = body;
  return (
    typeof query === 'string' &&
    (variables == null || isObject(variables)) &&
    (operationName == null || typeof operationName === 'string') &&
    (extensions == null || (isObject(extensions) && !('persistedQuery' in extensions)))
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const JSON_TYPES = ['application/graphql-response+json', 'application/json'];

/**
 * The JSON media type Yoga answers with for this Accept header, or null when its choice would not
 * be a plain JSON answer: types are taken last to first, each against both JSON types, the last
 * match wins, and a charset other than utf-8 drops a type (as Yoga's negotiation does).
 */
export function jsonMediaType(accept: string | undefined): string | null {
  let chosen: string | null = null;
  for (const entry of (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',').reverse()) {
    const [type = '', ...params] = entry.split(';');
    if ((params.find((param) => param.includes('charset=')) ?? 'charset=utf-8') !== 'charset=utf-8') continue;
    for (const jsonType of JSON_TYPES) if (matches(type, jsonType)) chosen = jsonType;
  }
  return chosen;
}

function matches(asked: string, offered: string): boolean {
  const [askedType, askedSubtype] = asked.split('/');
  const [type, subtype] = offered.split('/');
  return (askedType === '*' || askedType === type) && (askedSubtype === '*' || askedSubtype === subtype);
}

const SCHEMA_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);
const STREAMING: ReadonlySet<string> = new Set(['defer', 'stream']);

/** Whether any field or directive (as `kind` says) of the document, fragments included, has one of these names. */
function mentions(document: DocumentNode, kind: Kind.FIELD | Kind.DIRECTIVE, names: ReadonlySet<string>): boolean {
  let found = false;
  visit(document, {
    [kind](node: { name: { value: string } }) {
      if (!names.has(node.name.value)) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
