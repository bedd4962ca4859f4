import { z } from 'zod';
import { int } from '../fields.ts';

/** Customers looked up by id (`BillingSubscription.customer`, `Query.customer`): see docs/joins.md. */
export const customerDirectorySection = z
  .object({
    CUSTOMER_DIRECTORY_TTL_MS: int(0, 3_600_000).default(60_000),
    CUSTOMER_DIRECTORY_MAX_CUSTOMERS: int(0, 10_000_000).default(100_000),
    CUSTOMER_LOOKUP_CALLS: int(1, 10_000).default(15),
  })
  .transform((e) => ({
    customerDirectory: {
      /** How long what a caller's walk read is kept, from its first page; 0 keeps nothing. */
      ttlMs: e.CUSTOMER_DIRECTORY_TTL_MS,
      /** Customers kept in process memory for all callers together (without Redis). */
      maxCustomers: e.CUSTOMER_DIRECTORY_MAX_CUSTOMERS,
      /** Upstream calls one operation's customer lookups may make; counted in UPSTREAM_CALL_BUDGET. */
      lookupCalls: e.CUSTOMER_LOOKUP_CALLS,
    },
  }));
