import type { Customer } from '../../partner/customers.ts';

/** Where one caller's walk through the unfiltered customer list stands. */
export interface WalkState {
  /** The upstream token of the next page to read; null before the first page and once complete. */
  next: string | null;
  /** The walk read the last page: an id it did not meet is not the organisation's. */
  complete: boolean;
  /** Upstream pages read so far. */
  pages: number;
  /** Epoch ms when everything the walk read is forgotten: the TTL, counted from its first page. */
  expiresAt: number;
}

/** Whose directory an entry is, and the keys only that caller's token re-derives. */
export interface DirectoryOwner {
  /** The caller key (an HMAC of the token, never the token): what entries are filed under. */
  callerKey: string;
  /** Seals the entry's values (AES-256-GCM). */
  sealKey: Buffer;
  /** Names customers in the store by an HMAC of their id, never the id. */
  nameKey: Buffer;
}

export interface DirectoryRead {
  /** Null when this caller has no walk within the TTL. */
  state: WalkState | null;
  /** Those of the asked ids the walk has read. */
  found: Map<string, Customer>;
}

/** The walk one instance holds for a caller, so that other instances wait for it instead of walking too. */
export interface WalkClaim {
  renew(): Promise<void>;
  release(): Promise<void>;
}

/** What a caller's walk has read, kept until its state expires. */
export interface DirectoryStore {
  read(owner: DirectoryOwner, ids: readonly string[]): Promise<DirectoryRead>;
  /** Adds a page the walk read and where the walk stands after it; nothing once `state` has expired. */
  append(owner: DirectoryOwner, customers: readonly Customer[], state: WalkState): Promise<void>;
  /** Null while another instance holds the caller's walk; a store local to the process always grants it. */
  claim(owner: DirectoryOwner): Promise<WalkClaim | null>;
}
