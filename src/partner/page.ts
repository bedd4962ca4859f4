/** One page of an upstream list endpoint, in the facade's terms. */
export interface UpstreamPage<T> {
  records: T[];
  /** The upstream's token for the next page; null when the upstream gave none (the end). */
  next: string | null;
  /** Total matches, where the upstream reports it (customers' `hits`). */
  total: number | null;
}

/** The largest page any list endpoint serves (invoices' documented `pageSize` maximum). */
export const MAX_UPSTREAM_PAGE_SIZE = 100;
