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

/**
 * Fixed-width Latin-1 ids packed in one buffer: no string per record until one is asked
 * for, which keeps start-up free of hundreds of thousands of small allocations.
 */
export class IdColumn {
  readonly length: number;

  constructor(
    private readonly bytes: Buffer,
    readonly width: number,
  ) {
    this.length = Math.floor(bytes.length / width);
  }

  at(index: number): string {
    if (!(index >= 0 && index < this.length)) throw new RangeError(`No record at ${index}`);
    return this.bytes.toString('latin1', index * this.width, (index + 1) * this.width);
  }

  indexOf(id: string): number | undefined {
    if (id.length !== this.width || !/^[\x20-\x7e]*$/.test(id)) return undefined;
    const needle = Buffer.from(id, 'latin1');
    for (let at = this.bytes.indexOf(needle); at !== -1; at = this.bytes.indexOf(needle, at + 1)) {
      if (at % this.width === 0) return at / this.width;
    }
    return undefined;
  }
}

export class RecordTable<T> implements RecordSequence<T> {
  private readonly cache: (T | undefined)[];
  private everything: T[] | undefined;

  constructor(
    private readonly ids: IdColumn,
    private readonly times: Float64Array,
    private readonly build: (index: number) => T,
  ) {
    this.cache = new Array<T | undefined>(ids.length);
  }

  get length(): number {
    return this.ids.length;
  }

  idAt(index: number): string {
    return this.ids.at(index);
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
    return this.ids.indexOf(id);
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
