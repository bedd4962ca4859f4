import { z } from 'zod';
import { int } from '../fields.ts';

/** Bounds on what a request may ask, checked before parsing (HTTP) or before execution (GraphQL). */
export const limitsSection = z
  .object({
    MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
    MAX_QUERY_LENGTH: int(100, 1_000_000).default(20_000),
    MAX_VARIABLES_BYTES: int(2, 16 * 1024 * 1024).default(64 * 1024),
    MAX_BATCH: int(1, 100).default(10),
    MAX_TOKENS: int(10, 100_000).default(2_000),
    MAX_DEPTH: int(2, 100).default(10),
    MAX_ALIASES: int(1, 1_000).default(15),
    MAX_DIRECTIVES: int(1, 1_000).default(10),
    MAX_COST: int(10, 10_000_000).default(50_000),
  })
  .transform((e) => ({
    limits: {
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxQueryLength: e.MAX_QUERY_LENGTH,
      maxVariablesBytes: e.MAX_VARIABLES_BYTES,
      maxBatch: e.MAX_BATCH,
      maxTokens: e.MAX_TOKENS,
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxDirectives: e.MAX_DIRECTIVES,
      maxCost: e.MAX_COST,
    },
  }));
