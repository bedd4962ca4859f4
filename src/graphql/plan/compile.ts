import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  GraphQLID,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  GraphQLString,
  getArgumentValues,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { argumentsUseVariables } from '../per-operation.ts';

/**
 * An operation plan: which fields the answer has, in order, where each value comes from and how it
 * is written. Compiled once per document and operation, for the documents it models: a query of
 * object types only (no interfaces or unions), no directives, fragments only on their own type,
 * and no field whose resolver is not known to be free of side effects (PURE_RESOLVERS).
 */
export interface OperationPlan {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  root: ObjectStep;
  /** How many fields have a resolver: each gets a slot for its arguments per run. */
  resolverCount: number;
}

export type OutputStep = LeafStep | ObjectStep | ListStep;

export interface LeafStep {
  kind: 'leaf';
  nonNull: boolean;
  /** The scalar's or enum's serialize, as graphql-js calls it for each value. */
  serialize: (value: unknown) => unknown;
  /** String or ID: a string value serialises to itself, so the call is skipped for one. */
  stringsAsIs: boolean;
}

export interface ObjectStep {
  kind: 'object';
  nonNull: boolean;
  type: GraphQLObjectType;
  fields: FieldStep[];
  /** Every value below comes from properties of the source: written straight from it, with no resolve phase. */
  settled: boolean;
}

export interface ListStep {
  kind: 'list';
  nonNull: boolean;
  item: OutputStep;
  settled: boolean;
}

export interface FieldStep {
  responseKey: string;
  /** The JSON text written before the value: `"key":`, with a leading comma for all but the first field. */
  prefix: string;
  /** `__typename`: its value, written as JSON text; the other steps below do not apply. */
  typename: string | null;
  fieldName: string;
  fieldNodes: FieldNode[];
  parentType: GraphQLObjectType;
  /** The field's own resolver, called in the resolve phase; null reads the source's property, as graphql-js's default does. */
  resolver: ResolverCall | null;
  /** Resolved before writing: it has a resolver, or something below it has. */
  early: boolean;
  output: OutputStep;
  /**
   * A paging root field whose records only `nodes` reads, as plain data: the step each node is
   * written with while the connection's pages arrive, so a page's records can go before the next.
   */
  writtenNodes: ObjectStep | null;
}

export interface ResolverCall {
  resolve: GraphQLFieldResolver<unknown, unknown>;
  definition: GraphQLField<unknown, unknown>;
  /** This field's slot for its arguments in a run. */
  index: number;
  /** Its arguments when they use no variable: coerced once, frozen, shared by every run. */
  constantArguments: Readonly<Record<string, unknown>> | null;
}

/** Thrown while compiling: the document has something the plan does not model. */
class Unmodelled extends Error {}

/** The plan for this operation of the document, or null when full execution must answer it. */
export function compilePlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationPlan | null {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName
    ? operations.find((d) => d.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  const queryType = schema.getQueryType();
  if (operation?.operation !== 'query' || !queryType) return null;
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const compiler = new Compiler(fragments, pureResolvers(schema));
  try {
    const root = compiler.object(queryType, [operation.selectionSet], true);
    return { schema, operation, fragments, root, resolverCount: compiler.resolverCount };
  } catch (error) {
    if (error instanceof Unmodelled) return null;
    throw error;
  }
}

class Compiler {
  resolverCount = 0;
  constructor(
    private readonly fragments: Record<string, FragmentDefinitionNode>,
    private readonly pure: ReadonlySet<GraphQLField<unknown, unknown>>,
  ) {}

  object(type: GraphQLObjectType, selectionSets: SelectionSetNode[], nonNull: boolean): ObjectStep {
    if (type.isTypeOf) throw new Unmodelled();
    const grouped = new Map<string, FieldNode[]>();
    const spread = new Set<string>();
    for (const set of selectionSets) this.collect(type, set, grouped, spread);
    const fields = [...grouped].map(([key, nodes], i) => this.field(type, key, nodes, i === 0));
    const settled = fields.every((f) => !f.early);
    return { kind: 'object', nonNull, type, fields, settled };
  }

  /** Fields by response key, in document order, as graphql-js collects them: each named fragment once. */
  private collect(
    type: GraphQLObjectType,
    set: SelectionSetNode,
    into: Map<string, FieldNode[]>,
    spread: Set<string>,
  ): void {
    for (const selection of set.selections) {
      if (selection.directives?.length) throw new Unmodelled();
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const nodes = into.get(key);
        if (nodes) nodes.push(selection);
        else into.set(key, [selection]);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        if (spread.has(selection.name.value)) continue;
        spread.add(selection.name.value);
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : this.fragments[selection.name.value];
      if (!fragment || (fragment.typeCondition && fragment.typeCondition.name.value !== type.name)) {
        throw new Unmodelled();
      }
      this.collect(type, fragment.selectionSet, into, spread);
    }
  }

  private field(parentType: GraphQLObjectType, key: string, fieldNodes: FieldNode[], first: boolean): FieldStep {
    const fieldName = fieldNodes[0]?.name.value ?? '';
    const prefix = `${first ? '' : ','}${JSON.stringify(key)}:`;
    if (key === '__proto__') throw new Unmodelled(); // a plain object would not keep it as a key
    const base = { responseKey: key, prefix, fieldName, fieldNodes, parentType };
    if (fieldName === '__typename') {
      const output: LeafStep = { kind: 'leaf', nonNull: true, serialize: (value) => value, stringsAsIs: true };
      return {
        ...base,
        typename: JSON.stringify(parentType.name),
        resolver: null,
        early: false,
        output,
        writtenNodes: null,
      };
    }
    const definition = parentType.getFields()[fieldName];
    if (!definition) throw new Unmodelled(); // __schema, __type
    if (definition.resolve && !this.pure.has(definition)) throw new Unmodelled();
    const resolver = definition.resolve
      ? {
          resolve: definition.resolve,
          definition,
          index: this.resolverCount++,
          constantArguments: constantArguments(definition, fieldNodes[0] as FieldNode),
        }
      : null;
    const output = this.output(definition.type, fieldNodes);
    const settled = output.kind === 'leaf' || output.settled;
    const writtenNodes = definition.extensions['upstreamPaging'] ? writtenNodesOf(output) : null;
    return { ...base, typename: null, resolver, early: resolver !== null || !settled, output, writtenNodes };
  }

  private output(type: GraphQLOutputType, fieldNodes: FieldNode[]): OutputStep {
    const nonNull = isNonNullType(type);
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const item = this.output(nullable.ofType, fieldNodes);
      return { kind: 'list', nonNull, item, settled: item.kind === 'leaf' || item.settled };
    }
    if (isLeafType(nullable)) {
      const stringsAsIs = nullable === GraphQLString || nullable === GraphQLID;
      return { kind: 'leaf', nonNull, serialize: (value) => nullable.serialize(value), stringsAsIs };
    }
    if (!isObjectType(nullable)) throw new Unmodelled(); // an interface or a union
    const sets = fieldNodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
    return this.object(nullable, sets, nonNull);
  }
}

/** The connection fields a plan may write around nodes written early: none of them reads a record. */
const RECORDLESS_CONNECTION_FIELDS: ReadonlySet<string> = new Set(['pageInfo', 'totalCount', '__typename']);

/**
 * The settled step of a connection's `nodes` when nothing else of the connection reads its records
 * (`edges` only for their cursors); null otherwise, and the nodes are written with the rest.
 */
function writtenNodesOf(connection: OutputStep): ObjectStep | null {
  if (connection.kind !== 'object') return null;
  let nodes: ObjectStep | null = null;
  for (const field of connection.fields) {
    if (RECORDLESS_CONNECTION_FIELDS.has(field.fieldName)) continue;
    const item = field.output.kind === 'list' ? field.output.item : null;
    if (item?.kind !== 'object') return null;
    if (field.fieldName === 'edges' && !item.fields.some((f) => f.fieldName === 'node')) continue;
    if (field.fieldName !== 'nodes' || nodes !== null || !item.settled) return null;
    nodes = item;
  }
  return nodes;
}

/** The field's arguments when no variable is involved; null when they depend on the run (or do not coerce). */
function constantArguments(
  definition: GraphQLField<unknown, unknown>,
  node: FieldNode,
): Readonly<Record<string, unknown>> | null {
  if (argumentsUseVariables(node)) return null;
  try {
    return deepFreeze(getArgumentValues(definition, node, {}));
  } catch {
    return null;
  }
}

/** Shared by every run: no resolver can change what the next request gets. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

const pureBySchema = new WeakMap<GraphQLSchema, ReadonlySet<GraphQLField<unknown, unknown>>>();

/**
 * The fields whose resolvers a plan may call: the paging root fields (`upstreamPaging`: the pager
 * reads each upstream page once per request, so full execution after a plan gave up repeats no
 * call) and the Relay plumbing of their connections and edges, which only reads what the pager
 * returned. Any other resolver (links, customer lookups) leaves the document to full execution.
 */
function pureResolvers(schema: GraphQLSchema): ReadonlySet<GraphQLField<unknown, unknown>> {
  const known = pureBySchema.get(schema);
  if (known) return known;
  const pure = new Set<GraphQLField<unknown, unknown>>();
  for (const root of Object.values(schema.getQueryType()?.getFields() ?? {})) {
    if (!root.extensions['upstreamPaging']) continue;
    pure.add(root);
    const connection = getNamedType(root.type);
    if (!isObjectType(connection)) continue;
    for (const field of Object.values(connection.getFields())) pure.add(field);
    const edge = getNamedType(connection.getFields()['edges']?.type);
    if (isObjectType(edge)) for (const field of Object.values(edge.getFields())) pure.add(field);
  }
  pureBySchema.set(schema, pure);
  return pure;
}
