import { type DocumentNode, type FieldNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** Fragment spreads followed at most this deep when collecting an operation's root fields. */
const MAX_FRAGMENT_DEPTH = 10;

export interface RootFields {
  fields: FieldNode[];
  /** False when a fragment was missing or nested too deep: `fields` may then be incomplete. */
  complete: boolean;
}

/**
 * The root fields an operation selects, through inline fragments and fragment spreads: what the
 * credential check and the upstream-call budget both judge an operation by, before execution.
 */
export function operationRootFields(
  document: DocumentNode,
  operationName: string | null | undefined,
): RootFields | null {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!operation) return null;
  const found: RootFields = { fields: [], complete: true };
  collect(document, operation.selectionSet, 0, found);
  return found;
}

function collect(document: DocumentNode, selectionSet: SelectionSetNode, depth: number, found: RootFields): void {
  if (depth > MAX_FRAGMENT_DEPTH) {
    found.complete = false;
    return;
  }
  for (const s of selectionSet.selections) {
    if (s.kind === Kind.FIELD) found.fields.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) collect(document, s.selectionSet, depth + 1, found);
    else {
      const fragment = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) collect(document, fragment.selectionSet, depth + 1, found);
      else found.complete = false;
    }
  }
}
