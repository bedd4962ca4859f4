import { type DocumentNode, type FieldNode, type GraphQLSchema, Kind, type ValueNode } from 'graphql';

/**
 * What depends on an operation's document alone, worked out once: documents are immutable and the
 * parse caches hand the same object to every request of the same text. Kept by schema, document and
 * operation name (an empty name is no name); a document asked for many names keeps the first few.
 */
export function perOperation<T>(
  compute: (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined) => T,
): (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined) => T {
  const bySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, T>>>();
  return (schema, document, operationName) => {
    let byDocument = bySchema.get(schema);
    if (!byDocument) {
      byDocument = new WeakMap();
      bySchema.set(schema, byDocument);
    }
    let byName = byDocument.get(document);
    if (!byName) {
      byName = new Map();
      byDocument.set(document, byName);
    }
    const name = operationName || '';
    if (byName.has(name)) return byName.get(name) as T;
    const value = compute(schema, document, operationName);
    if (byName.size < NAMES_PER_DOCUMENT) byName.set(name, value);
    return value;
  };
}

const NAMES_PER_DOCUMENT = 16;

/** Whether any argument of the field refers to a variable: when none does, its arguments are the same on every request. */
export function argumentsUseVariables(node: FieldNode): boolean {
  return node.arguments?.some((argument) => hasVariable(argument.value)) ?? false;
}

function hasVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(hasVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((field) => hasVariable(field.value));
  return false;
}
