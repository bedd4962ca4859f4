/** Messages between the bench (parent) and the servers it runs in child processes. */
export type BenchRequest = { type: 'stats'; id: number } | { type: 'exit' };

export type BenchReply =
  | { type: 'ready'; details: Record<string, unknown> }
  | {
      type: 'stats';
      id: number;
      cpuUs: number;
      rssBytes: number /** The child's monotonic clock (µs), as CPU profiles count time. */;
      monoUs: number;
    };
