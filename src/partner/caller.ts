/** Who an upstream call is made for: the caller's own token and the headers allowed to follow it. */
export interface Caller {
  token: string;
  /** Allowlisted caller headers (lower-case names), e.g. x-request-id. */
  headers: Record<string, string>;
  /** Aborted when the operation's deadline passes or the client goes away. */
  signal?: AbortSignal;
}
