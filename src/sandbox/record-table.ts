// A kind of record held as a sorted key column (id + creation time) with the records
// themselves built on first use. Start-up only pays for the keys, which is what
// keeps 100,000 records per kind within about a second.

/** What pagination and lookups need: newest first, ties by id descending. */
export interface KeyedSequence {
  readonly length: number;
  idAt(index: number): string;
  timeAt(index: number): number;
}

export interface RecordSequence<T> extends KeyedSequence {
  at(index: number): T;
}

export class RecordTable<T> implements RecordSequence<T> {
  private readonly cache: (T | undefined)[];
  private everything: T[] | undefined;
  private positions: Map<string, number> | undefined;

  constructor(
    private readonly ids: readonly string[],
    private readonly times: Float64Array,
    private readonly build: (index: number) => T,
  ) {
    this.cache = new Array<T | undefined>(ids.length);
  }

  get length(): number {
    return this.ids.length;
  }

  idAt(index: number): string {
    const id = this.ids[index];
    if (id === undefined) throw new RangeError(`No record at ${index}`);
    return id;
  }

  timeAt(index: number): number {
    const time = this.times[index];
    if (time === undefined) throw new RangeError(`No record at ${index}`);
    return time;
  }

  at(index: number): T {
    const cached = this.cache[index];
    if (cached !== undefined) return cached;
    if (index < 0 || index >= this.ids.length) throw new RangeError(`No record at ${index}`);
    const record = this.build(index);
    this.cache[index] = record;
    return record;
  }

  /** Every record, built on the first call; the same array afterwards. */
  all(): T[] {
    this.everything ??= Array.from({ length: this.ids.length }, (_, index) => this.at(index));
    return this.everything;
  }

  indexOf(id: string): number | undefined {
    this.positions ??= new Map(this.ids.map((recordId, index) => [recordId, index]));
    return this.positions.get(id);
  }
}

/** A subsequence of a table (e.g. the customers matching a filter), in the table's order. */
export class RecordView<T> implements RecordSequence<T> {
  constructor(
    private readonly table: RecordSequence<T>,
    private readonly indexes: readonly number[],
  ) {}

  get length(): number {
    return this.indexes.length;
  }

  private source(index: number): number {
    const source = this.indexes[index];
    if (source === undefined) throw new RangeError(`No record at ${index}`);
    return source;
  }

  idAt(index: number): string {
    return this.table.idAt(this.source(index));
  }

  timeAt(index: number): number {
    return this.table.timeAt(this.source(index));
  }

  at(index: number): T {
    return this.table.at(this.source(index));
  }
}
