import {
  type ExecutionArgs,
  type FieldNode,
  type GraphQLResolveInfo,
  getArgumentValues,
  getVariableValues,
} from 'graphql';
import type { NodeWriter } from '../../pagination/connection.ts';
import type { Pager } from '../../pagination/pager.ts';
import type { FieldStep, ObjectStep, OperationPlan, OutputStep, ResolverCall } from './compile.ts';
import { PlannedResult } from './result.ts';

type Path = GraphQLResolveInfo['path'];

/** Whatever graphql-js would not write as plain data (an error, a null where none may be): full execution answers. */
class GiveUp {}
const giveUp = new GiveUp();

/**
 * Runs a plan in two phases. Resolve: call the resolvers the plan needs (sibling fields together,
 * as graphql-js does) and keep their values. Write: the JSON text of the answer, reading every
 * other field straight from its source record. null when anything failed or was not plain data;
 * the same document then runs in full with the same context, whose pager has every page at hand.
 * It gives up at the first failure, not after the rest has settled: what is still in flight reaches
 * full execution in the order the upstream answers, so its errors come in the order they would have.
 */
export async function runPlan(plan: OperationPlan, args: ExecutionArgs): Promise<PlannedResult | null> {
  const coerced = getVariableValues(plan.schema, plan.operation.variableDefinitions ?? [], args.variableValues ?? {});
  if (!coerced.coerced) return null;
  const run = new Run(plan, args, coerced.coerced);
  let root: ResolvedObject | null = null;
  try {
    root = run.object(plan.root, args.rootValue, undefined);
  } catch {
    run.fail();
  }
  if (!(await run.settled()) || !root) return null;
  try {
    return new PlannedResult(writeObject(plan.root, root.source, root.values));
  } catch {
    return null;
  }
}

/** An object of the answer after the resolve phase: its source, and its early fields' values by field. */
interface ResolvedObject {
  source: unknown;
  values: unknown[];
}

class Run {
  #pending: Promise<void>[] = [];
  #failed = false;
  #onFailure: (ok: false) => void = () => undefined;
  readonly #failure = new Promise<false>((resolve) => {
    this.#onFailure = resolve;
  });
  readonly #arguments: (Record<string, unknown> | undefined)[];

  constructor(
    private readonly plan: OperationPlan,
    private readonly args: ExecutionArgs,
    private readonly variables: Record<string, unknown>,
  ) {
    this.#arguments = new Array(plan.resolverCount);
  }

  object(step: ObjectStep, source: unknown, path: Path | undefined): ResolvedObject {
    const values: unknown[] = new Array(step.fields.length);
    for (let i = 0; i < step.fields.length; i++) {
      const field = step.fields[i] as FieldStep;
      if (!field.early) continue;
      const fieldPath: Path = { prev: path, key: field.responseKey, typename: step.type.name };
      const value = this.resolve(field, source, fieldPath);
      if (isThenable(value))
        this.#await(value, (resolved) => (values[i] = this.complete(field.output, resolved, fieldPath)));
      else values[i] = this.complete(field.output, value, fieldPath);
    }
    return { source, values };
  }

  fail(): void {
    this.#failed = true;
    this.#onFailure(false);
  }

  /** Waits for every value the resolve phase asked for; false as soon as one fails. */
  async settled(): Promise<boolean> {
    while (this.#pending.length > 0 && !this.#failed) {
      const batch = Promise.all(this.#pending).then(() => true);
      this.#pending = [];
      if (!(await Promise.race([batch, this.#failure]))) return false;
    }
    return !this.#failed;
  }

  private resolve(field: FieldStep, source: unknown, path: Path): unknown {
    const { resolver } = field;
    if (!resolver) return propertyOf(source, field.fieldName);
    const { contextValue } = this.args;
    const args = this.argumentsOf(field, resolver);
    const info = this.info(field, resolver, path);
    const written = field.writtenNodes;
    const pager = written ? pagerOf(contextValue) : null;
    if (!written || !pager) return resolver.resolve(source, args, contextValue, info);
    return pager.writingNodes(nodeWriter(written), () => resolver.resolve(source, args, contextValue, info));
  }

  private complete(output: OutputStep, value: unknown, path: Path): unknown {
    if (value == null) {
      if (output.nonNull) throw giveUp;
      return null;
    }
    if (value instanceof Error) throw giveUp;
    if (output.kind === 'leaf') return value;
    if (output.kind === 'object') return output.settled ? value : this.object(output, value, path);
    if (!Array.isArray(value)) throw giveUp;
    if (output.settled) return value;
    return value.map((item: unknown, index) => {
      if (isThenable(item)) giveUpOn(item);
      return this.complete(output.item, item, { prev: path, key: index, typename: undefined });
    });
  }

  #await(value: PromiseLike<unknown>, then: (resolved: unknown) => void): void {
    const settle = (resolved: unknown) => {
      if (!this.#failed) then(resolved);
    };
    this.#pending.push(
      Promise.resolve(value)
        .then(settle)
        .catch(() => this.fail()),
    );
  }

  /** A field's arguments depend on the variables only: coerced once per run (or per plan), shared by its calls. */
  private argumentsOf(field: FieldStep, resolver: ResolverCall): Readonly<Record<string, unknown>> {
    if (resolver.constantArguments) return resolver.constantArguments;
    let values = this.#arguments[resolver.index];
    if (!values) {
      values = getArgumentValues(resolver.definition, field.fieldNodes[0] as FieldNode, this.variables);
      this.#arguments[resolver.index] = values;
    }
    return values;
  }

  private info(field: FieldStep, resolver: ResolverCall, path: Path): GraphQLResolveInfo {
    const { plan } = this;
    return {
      fieldName: field.fieldName,
      fieldNodes: field.fieldNodes,
      returnType: resolver.definition.type,
      parentType: field.parentType,
      path,
      schema: plan.schema,
      fragments: plan.fragments,
      rootValue: this.args.rootValue,
      operation: plan.operation,
      variableValues: this.variables,
    };
  }
}

/** The request's pager, where the context has one (every operation of this server's). */
function pagerOf(contextValue: unknown): Pager | null {
  const pager = (contextValue as { pager?: Partial<Pager> } | null)?.pager;
  return typeof pager?.writingNodes === 'function' ? (pager as Pager) : null;
}

/**
 * Nodes of one upstream page written as they arrived: the JSON text of `count` list items in a
 * row, comma-separated, held as one flat string (the records, and the pieces the text was
 * concatenated from, can go before the next page is read). The list holds it where its first node
 * was, and WRITTEN_BEFORE for each of the others.
 */
class WrittenNodes {
  constructor(
    readonly step: ObjectStep,
    readonly text: string,
    readonly count: number,
  ) {}
}

const WRITTEN_BEFORE: unknown = Object.freeze(Object.create(null));

function nodeWriter(step: ObjectStep): NodeWriter {
  return (records) => {
    if (records.length === 0) return [];
    // join, not +=: it makes one flat string of the page, where += would keep every piece alive.
    const text = records.map((record) => write(step, record)).join(',');
    const items: unknown[] = new Array(records.length).fill(WRITTEN_BEFORE);
    items[0] = new WrittenNodes(step, text, records.length);
    return items;
  };
}

/** The index of the last item `written` stands for, checking that its stand-ins follow it. */
function pastWritten(list: unknown[], at: number, written: WrittenNodes): number {
  const last = at + written.count - 1;
  for (let k = at + 1; k <= last; k++) if (list[k] !== WRITTEN_BEFORE) throw giveUp;
  return last;
}

/** What graphql-js's default resolver reads; a method (which it would call) is not plain data. */
function propertyOf(source: unknown, fieldName: string): unknown {
  if ((typeof source !== 'object' || source === null) && typeof source !== 'function') return undefined;
  const value = (source as Record<string, unknown>)[fieldName];
  if (typeof value === 'function') throw giveUp;
  return value;
}

function writeObject(step: ObjectStep, source: unknown, values: unknown[] | null): string {
  let text = '{';
  for (let i = 0; i < step.fields.length; i++) {
    const field = step.fields[i] as FieldStep;
    text += field.prefix;
    if (field.typename !== null) text += field.typename;
    else if (field.early) text += write(field.output, values?.[i]);
    else text += write(field.output, propertyOf(source, field.fieldName));
  }
  return `${text}}`;
}

/** A value as JSON text. Below a settled step values are the source's own; above one, the resolve phase's. */
function write(output: OutputStep, value: unknown): string {
  if (value == null) {
    if (output.nonNull) throw giveUp;
    return 'null';
  }
  if (isThenable(value)) giveUpOn(value);
  if (value instanceof Error) throw giveUp;
  if (output.kind === 'leaf') {
    if (output.stringsAsIs && typeof value === 'string') return JSON.stringify(value);
    const serialized = output.serialize(value);
    // graphql-js's JSON.stringify hands a value's toJSON its key; written alone it would get none.
    if (typeof (serialized as { toJSON?: unknown } | null)?.toJSON === 'function') throw giveUp;
    const text = serialized == null ? undefined : JSON.stringify(serialized);
    if (text === undefined) throw giveUp;
    return text;
  }
  if (output.kind === 'object') {
    if (value instanceof WrittenNodes || value === WRITTEN_BEFORE) throw giveUp;
    if (output.settled) return writeObject(output, value, null);
    const resolved = value as ResolvedObject;
    return writeObject(output, resolved.source, resolved.values);
  }
  if (!Array.isArray(value)) throw giveUp;
  let text = '[';
  for (let k = 0; k < value.length; k++) {
    if (k > 0) text += ',';
    const item: unknown = value[k];
    if (item instanceof WrittenNodes && item.step === output.item) {
      text += item.text;
      k = pastWritten(value, k, item);
    } else text += write(output.item, item);
  }
  return `${text}]`;
}

/** Gives up on a promise the plan does not model; full execution asks for its own, so this one's failure goes unheard. */
function giveUpOn(value: PromiseLike<unknown>): never {
  Promise.resolve(value).catch(() => undefined);
  throw giveUp;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
