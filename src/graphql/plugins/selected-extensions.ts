import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Whether the operation selects, anywhere and through any fragment, a field whose definition
 * carries `extensions[name]`. Directives are not evaluated: a field under `@skip` still counts.
 */
export function selectsFieldWithExtension(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  name: string,
): boolean {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  // Each fragment is judged once: a document spreading one fragment many times costs no more.
  const judged = new Map<string, boolean>();

  const inSelection = (type: GraphQLNamedType | undefined, selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.some((s) => {
      if (s.kind === Kind.FIELD) {
        const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[s.name.value] : undefined;
        if (!field) return false;
        if (field.extensions[name]) return true;
        return s.selectionSet !== undefined && inSelection(getNamedType(field.type), s.selectionSet);
      }
      if (s.kind === Kind.INLINE_FRAGMENT) {
        const condition = s.typeCondition ? schema.getType(s.typeCondition.name.value) : type;
        return inSelection(condition ?? undefined, s.selectionSet);
      }
      return inFragment(s.name.value);
    });
  const inFragment = (fragmentName: string): boolean => {
    const known = judged.get(fragmentName);
    if (known !== undefined) return known;
    judged.set(fragmentName, false); // a cycle (refused by validation anyway) ends here
    const fragment = fragments.get(fragmentName);
    const found =
      fragment !== undefined &&
      inSelection(schema.getType(fragment.typeCondition.name.value) ?? undefined, fragment.selectionSet);
    judged.set(fragmentName, found);
    return found;
  };
  return inSelection(root, operation.selectionSet);
}
