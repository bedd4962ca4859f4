import type { ExecutionResult } from 'graphql';

/**
 * An answer written by an operation plan: its data as JSON text. Yoga's result processors write it
 * with `stringify` (they call a result's own stringifier, unbound); `data` is parsed only when
 * something reads it.
 */
export class PlannedResult implements ExecutionResult {
  #data: Record<string, unknown> | undefined;
  readonly stringify: () => string;

  constructor(readonly dataText: string) {
    const answer = `{"data":${dataText}}`;
    this.stringify = () => answer;
  }

  get data(): Record<string, unknown> {
    this.#data ??= JSON.parse(this.dataText) as Record<string, unknown>;
    return this.#data;
  }
}

/** Whether an answer carries data, without parsing a planned one (it always does). */
export function hasData(result: ExecutionResult): boolean {
  return result instanceof PlannedResult || Boolean(result.data);
}
