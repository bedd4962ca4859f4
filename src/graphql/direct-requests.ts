import { BREAK, type DocumentNode, type Kind, visit } from 'graphql';

/** Which requests the direct path (src/graphql/direct.ts) takes: what Yoga would answer as plain JSON. */

const PARAMS = new Set(['query', 'variables', 'operationName', 'extensions']);

export interface PlainParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

/** Exactly the parameters Yoga accepts, with the types it accepts, and no persisted query. */
export function isPlainParams(body: unknown): body is PlainParams {
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

export const SCHEMA_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);
export const STREAMING: ReadonlySet<string> = new Set(['defer', 'stream']);

/** Whether any field or directive (as `kind` says) of the document, fragments included, has one of these names. */
export function mentions(
  document: DocumentNode,
  kind: Kind.FIELD | Kind.DIRECTIVE,
  names: ReadonlySet<string>,
): boolean {
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
