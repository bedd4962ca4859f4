import type { ExecutionResult } from 'graphql';

/**
 * An answer written by an operation plan: its data as JSON text. Yoga's result processors write it
 * with `stringify`; `data` is parsed only when something reads it. A copy of it (a plugin's
 * `setResult({ ...result, extensions })`) carries `data` as a value and no `stringify`, so it is
 * written whole, as any other result.
 */
export class PlannedResult implements ExecutionResult {
  /**
   * `data`: own and enumerable, so a copy carries it; one getter for every answer, not a closure
   * each. V8 allocates an accessor made per object in the old generation, and what it points to (a
   * closure, and the answer's text) then survives every young-generation collection until a full one.
   */
  static readonly #data: PropertyDescriptor = {
    enumerable: true,
    get(this: PlannedResult) {
      this.#parsed ??= JSON.parse(this.#dataText) as Record<string, unknown>;
      return this.#parsed;
    },
  };
  readonly #dataText: string;
  #parsed: Record<string, unknown> | undefined;
  declare readonly data: Record<string, unknown>;

  constructor(dataText: string) {
    this.#dataText = dataText;
    Object.defineProperty(this, 'data', PlannedResult.#data);
  }

  /** The answer's JSON text. */
  text(): string {
    return `{"data":${this.#dataText}}`;
  }

  /** What Yoga's result processors call, unbound, with the result itself. */
  stringify(result: PlannedResult): string {
    return result.text();
  }
}

/** Whether an answer carries data, without parsing a planned one (it always does). */
export function hasData(result: ExecutionResult): boolean {
  return result instanceof PlannedResult || Boolean(result.data);
}
