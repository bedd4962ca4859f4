import { z } from 'zod';
import { bool, list, mode, oneOf } from '../fields.ts';

const origins = list.refine((os) => os.every((o) => o === 'localhost' || o === '*' || /^https?:\/\/[^/\s]+$/.test(o)), {
  error: "a comma-separated list of origins like https://portal.example.com, or 'localhost', or '*'",
});

/** What browsers may do: CORS, GraphiQL, introspection, persisted operations. */
export const browserSection = z
  .object({
    NODE_ENV: mode,
    CORS_ORIGINS: origins.optional(),
    GRAPHIQL: bool.optional(),
    INTROSPECTION: bool.optional(),
    PERSISTED_OPERATIONS: oneOf(['off', 'allow', 'require']).default('off'),
  })
  .transform((e) => ({
    browser: {
      /** Origins allowed by CORS; 'localhost' allows any http(s)://localhost or 127.0.0.1 port. */
      corsOrigins: e.CORS_ORIGINS ?? (e.NODE_ENV === 'production' ? [] : ['localhost']),
      graphiql: e.GRAPHIQL ?? e.NODE_ENV !== 'production',
      introspection: e.INTROSPECTION ?? e.NODE_ENV !== 'production',
    },
    /** 'off': any operation; 'allow': persisted ids accepted too; 'require': only the manifest's operations. */
    persistedOperations: e.PERSISTED_OPERATIONS,
  }));
