// Public types of the embedded partner API sandbox. The record shapes follow
// docs/upstream-contract.md: field names are the upstream's (snake_case for
// Limio objects, camelCase for Zuora invoices), extras included on purpose.

export type Endpoint = 'customers' | 'invoices' | 'invoiceFile' | 'subscriptions';

export interface SandboxOptions {
  /** Default 0 (ephemeral). The host is always 127.0.0.1. */
  port?: number;
  /** Default 1. Data, tokens and fault randomness are deterministic for a seed. */
  seed?: number;
  /** Records of the first organisation (default 300); the second gets 60% of it, the third none. */
  customers?: number;
  invoices?: number;
  subscriptions?: number;
  /** Invoice pages hold 1..pageSize items while `nextPage` is still given (Zuora caps pages). */
  shortInvoicePages?: boolean;
  /** A full page that ends exactly at the last record still carries a token to an empty page. */
  trailingTokens?: boolean;
  /** Every 10th invoice (index % 10 === 0, newest first) gets a PDF padded to about this size. */
  largePdfBytes?: number;
  /** Serve raw `%PDF` bytes instead of the documented base64 text. */
  rawPdf?: boolean;
  faults?: FaultRule[];
  /** One line per request on stderr (never the raw token). */
  log?: boolean;
  /** Oldest calls are dropped beyond this many (default 10,000), so long soaks stay bounded. */
  maxRecordedCalls?: number;
}

export type FaultKind = FaultRule['kind'];

export type FaultRule = {
  endpoint?: Endpoint | '*';
  /** 0..1, default 1. Drawn from the seeded fault PRNG. */
  rate?: number;
  /** Apply to at most N requests, then the rule is spent (and leaves `list()`). */
  times?: number;
} & (
  | { kind: 'latency'; ms: number; jitterMs?: number }
  | { kind: 'status'; status: 500 | 502 | 503 | 504 | 403 | 401 | 404 }
  | { kind: 'rateLimit'; retryAfter: number }
  | { kind: 'hang' }
  | { kind: 'malformedJson' }
  | { kind: 'truncated' }
  | { kind: 'drop' }
  | { kind: 'wrongShape' }
);

export interface FaultController {
  set(rules: FaultRule[]): void;
  add(rule: FaultRule): void;
  clear(): void;
  /** Active rules; `times` shows what is left of each. */
  list(): FaultRule[];
}

export type AuthorizationState = 'valid' | 'missing' | 'malformed' | 'unknown';

export interface RecordedCall {
  seq: number;
  method: string;
  /** The path as requested, without the query, e.g. '/api/partner/invoices'. */
  path: string;
  endpoint: Endpoint | null;
  query: Record<string, string>;
  organisation: string | null;
  authorization: AuthorizationState;
  /** Every request header except authorization, lower-case names. */
  headers: Record<string, string>;
  startedAt: number;
  endedAt: number | null;
  status: number | null;
  fault: string | null;
}

export interface CallFilter {
  endpoint?: Endpoint;
  organisation?: string;
}

export interface CallRecord {
  list(filter?: CallFilter): RecordedCall[];
  count(filter?: CallFilter): number;
  clear(): void;
}

export interface SandboxCustomer {
  id: string;
  name: string;
  first_name: string;
  last_name: string;
  email: string;
  created: string;
  updated: string;
  company: string | null;
  country: string;
  phone: string;
  marketing_opt_in: boolean;
  tags: string[];
  billing_account_id: string;
}

export type InvoiceStatus = 'Draft' | 'Posted' | 'Canceled' | 'Error';

export interface SandboxInvoice {
  id: string;
  invoiceNumber: string;
  accountId: string;
  invoiceDate: string;
  dueDate: string;
  amount: number;
  balance: number;
  currency: string;
  status: InvoiceStatus;
  createdDate: string;
  updatedDate: string;
  customerId: string;
  taxAmount: number;
  paymentTerm: string;
}

export type SubscriptionStatus = 'active' | 'cancelled' | 'expired' | 'pending' | 'initial';

export interface SandboxSubscription {
  id: string;
  name: string;
  status: SubscriptionStatus;
  start: string;
  customer: string;
  owner: string;
  record_type: 'subscription';
  created: string;
  updated: string;
  mode: 'live';
  data: {
    offer: string;
    term: 'monthly' | 'annual';
    quantity: number;
    price: { amount: number; currency: string };
    auto_renew: boolean;
    end: string | null;
    payment_method: 'card' | 'direct_debit' | 'invoice';
  };
}

export interface SandboxOrganisation {
  name: string;
  token: string;
  /** Each array is newest first, exactly the order the API serves. Do not mutate. */
  customers: SandboxCustomer[];
  invoices: SandboxInvoice[];
  subscriptions: SandboxSubscription[];
}

export interface Sandbox {
  /** 'http://127.0.0.1:PORT/api' */
  url: string;
  /** Organisation name -> bearer token. */
  tokens: Record<string, string>;
  organisations: SandboxOrganisation[];
  calls: CallRecord;
  faults: FaultController;
  /** The exact raw PDF bytes the file endpoint serves (before base64). */
  pdfFor(organisation: string, invoiceId: string): Buffer;
  /** Also ends hung requests and keep-alive sockets. */
  close(): Promise<void>;
}
