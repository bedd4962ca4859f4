import type { ExecutionResult } from 'graphql';

/** PlannedResult's `data`: one getter shared by every answer. */
const DATA: PropertyDescriptor = {
  enumerable: true,
  get(this: PlannedResult) {
    return this.parsedData();
  },
};

/**
 * An answer written by an operation plan: its data as JSON text. Yoga's result processors write it
 * with `stringify`; `data` is parsed only when something reads it. A copy of it (a plugin's
 * `setResult({ ...result, extensions })`) carries `data` as a value and no `stringify`, so it is
 * written whole, as any other result.
 */
export class PlannedResult implements ExecutionResult {
  readonly #dataText: string;
  #data: Record<string, unknown> | undefined;
  declare readonly data: Record<string, unknown>;

  constructor(dataText: string) {
    this.#dataText = dataText;
    // Own and enumerable, so a copy carries it; one shared getter, not a closure per answer: an
    // accessor made per object keeps what it reaches (the answer's text) alive through every
    // young-generation collection until a full one (see PagedConnection in src/pagination/pager.ts).
    Object.defineProperty(this, 'data', DATA);
  }

  /** The answer's data, parsed when first read. */
  parsedData(): Record<string, unknown> {
    this.#data ??= JSON.parse(this.#dataText) as Record<string, unknown>;
    return this.#data;
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
