import DataLoader from 'dataloader';
import { sleep } from '../../lib/deadline.ts';
import { keyForToken } from '../../lib/secrets.ts';
import type { Customer } from '../../partner/customers.ts';
import { PartnerError } from '../../partner/errors.ts';
import type { UpstreamPage } from '../../partner/page.ts';
import type { DirectoryOwner, DirectoryRead, DirectoryStore, WalkClaim, WalkState } from './store.ts';

/** A customer still unresolved when the operation's allowance of upstream calls ran out. */
export class CustomerLookupLimitError extends Error {
  constructor(readonly calls: number) {
    super(
      `Looking customers up used this operation's ${calls} upstream calls before it met this customer. Ask again: the lookup resumes where it stopped.`,
    );
    this.name = 'CustomerLookupLimitError';
  }
}

/** One operation's customer lookups: collected per tick and resolved together. */
export interface CustomerLookup {
  /** The caller's customer with this id; null when the caller's organisation has none. */
  load(id: string): Promise<Customer | null>;
}

export interface LookupRequest {
  callerKey: string;
  token: string;
  /** One page of the unfiltered customer list, newest first, from `token` (null: the first page). */
  readPage(token: string | null): Promise<UpstreamPage<Customer>>;
  /** The operation's deadline: waiting for another instance's walk ends with it. */
  signal?: AbortSignal | undefined;
}

export interface CustomerDirectory {
  lookup(request: LookupRequest): CustomerLookup;
}

export interface CustomerDirectoryOptions {
  store: DirectoryStore;
  /** deriveKey(secret, 'customer-directory-seal v1'): with the caller's token, it keys the caller's entry. */
  key: Buffer;
  ttlMs: number;
  /** Upstream calls one operation's lookups may make, together. */
  allowance: number;
  now?: () => number;
  /** Told when the store fails; the lookup then goes on as if the store held nothing. */
  onStoreError?: (error: unknown) => void;
}

/** How often an instance looks again while another instance walks for the same caller. */
const WAIT_POLL_MS = 50;

interface Outcome {
  found: Map<string, Customer>;
  complete: boolean;
  failure: unknown;
}

interface Operation {
  request: LookupRequest;
  owner: DirectoryOwner;
  /** Upstream calls this operation may still make. */
  allowance: { left: number };
}

/**
 * Customers by id, per caller, for a partner API with no lookup by id: the unfiltered list is
 * walked newest first until every wanted id is met, and what the walk read is kept for the caller
 * (TTL from its first page), so that a later lookup resumes where it stopped.
 */
export function createCustomerDirectory(options: CustomerDirectoryOptions): CustomerDirectory {
  const now = options.now ?? Date.now;
  const store = guarded(options.store, options.onStoreError);
  /** One walk per caller at a time in this process; others wait for it, then read what it found. */
  const walking = new Map<string, Promise<unknown>>();

  async function find(op: Operation, wanted: ReadonlySet<string>): Promise<Outcome> {
    const key = op.owner.callerKey;
    for (;;) {
      const running = walking.get(key);
      if (running) {
        await running.catch(() => undefined);
        continue;
      }
      const attempt = attemptWalk(op, wanted);
      walking.set(key, attempt);
      const outcome = await attempt.finally(() => walking.delete(key));
      if (outcome) return outcome;
      await waitForOtherInstance(op.request.signal);
    }
  }

  /** What the store holds, walking on when it is not enough; null while another instance walks. */
  async function attemptWalk(op: Operation, wanted: ReadonlySet<string>): Promise<Outcome | null> {
    const before = await store.read(op.owner, [...wanted]);
    if (settles(before, wanted) || op.allowance.left === 0) return outcomeOf(before);
    const claim = await store.claim(op.owner);
    if (!claim) return null;
    try {
      const read = await store.read(op.owner, [...wanted]);
      return settles(read, wanted) ? outcomeOf(read) : await walk(op, read, wanted, claim);
    } finally {
      await claim.release().catch(options.onStoreError);
    }
  }

  async function walk(op: Operation, read: DirectoryRead, wanted: ReadonlySet<string>, claim: WalkClaim) {
    let state: WalkState = read.state ?? { next: null, complete: false, pages: 0, expiresAt: now() + options.ttlMs };
    const found = new Map(read.found);
    try {
      while (found.size < wanted.size && !state.complete && op.allowance.left > 0) {
        op.allowance.left--;
        const page = await op.request.readPage(state.next);
        state = after(state, page);
        for (const customer of page.records) if (wanted.has(customer.id)) found.set(customer.id, customer);
        await store.append(op.owner, page.records, state);
        await claim.renew().catch(options.onStoreError);
      }
      return { found, complete: state.complete, failure: null };
    } catch (failure) {
      return { found, complete: false, failure };
    }
  }

  return {
    lookup(request) {
      const op: Operation = { request, owner: ownerOf(options.key, request), allowance: { left: options.allowance } };
      let loader: DataLoader<string, Customer | null> | undefined;
      return {
        load: (id) => {
          loader ??= new DataLoader((ids) => resolve(op, ids));
          return loader.load(id);
        },
      };
    },
  };

  async function resolve(op: Operation, ids: readonly string[]): Promise<(Customer | null | Error)[]> {
    const outcome = await find(op, new Set(ids));
    const unresolved = outcome.failure ?? new CustomerLookupLimitError(options.allowance);
    return ids.map((id) => outcome.found.get(id) ?? (outcome.complete ? null : toError(unresolved)));
  }
}

function ownerOf(key: Buffer, request: LookupRequest): DirectoryOwner {
  return {
    callerKey: request.callerKey,
    sealKey: keyForToken(key, request.token, 'customer-directory values'),
    nameKey: keyForToken(key, request.token, 'customer-directory names'),
  };
}

/** Every wanted id is known, or the walk is complete: no upstream call can add anything. */
function settles(read: DirectoryRead, wanted: ReadonlySet<string>): boolean {
  return read.found.size === wanted.size || read.state?.complete === true;
}

function outcomeOf(read: DirectoryRead): Outcome {
  return { found: read.found, complete: read.state?.complete === true, failure: null };
}

function after(state: WalkState, page: UpstreamPage<Customer>): WalkState {
  if (page.next !== null && page.next === state.next) {
    throw new PartnerError('UPSTREAM_BAD_RESPONSE', 'The partner API handed out the same customer page token again.');
  }
  return { next: page.next, complete: page.next === null, pages: state.pages + 1, expiresAt: state.expiresAt };
}

async function waitForOtherInstance(signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(WAIT_POLL_MS, signal);
  } catch {
    throw new PartnerError(
      'UPSTREAM_TIMEOUT',
      'The operation deadline passed while another instance read the customer list.',
    );
  }
}

/** A store whose failures are reported and then taken as "nothing kept": lookups still walk. */
function guarded(store: DirectoryStore, onError: ((error: unknown) => void) | undefined): DirectoryStore {
  const granted: WalkClaim = { renew: async () => {}, release: async () => {} };
  const orElse =
    <T>(fallback: () => T) =>
    (error: unknown): T => {
      onError?.(error);
      return fallback();
    };
  return {
    read: (owner, ids) => store.read(owner, ids).catch(orElse(() => ({ state: null, found: new Map() }))),
    append: (owner, customers, state) => store.append(owner, customers, state).catch(orElse(() => undefined)),
    claim: (owner) => store.claim(owner).catch(orElse(() => granted)),
  };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
