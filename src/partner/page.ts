/** One page of an upstream list endpoint, in the facade's terms. */
export interface UpstreamPage<T> {
  records: T[];
  /** The upstream's token for the next page; null when the upstream gave none (the end). */
  next: string | null;
  /** Total matches, where the upstream reports it (customers' `hits`). */
  total: number | null;
  /**
   * Reads the same upstream answer again, into fresh records, with no call: whoever holds the page
   * may let its records go and still serve a later reader. Absent on a page that was not read from
   * an answer of this process (a kept page).
   */
  again?: () => UpstreamPage<T>;
}

/** The largest page any list endpoint serves (invoices' documented `pageSize` maximum). */
export const MAX_UPSTREAM_PAGE_SIZE = 100;
