import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';

/** The manifest `npm run codegen` writes from src/client/operations: `sha256:<hash>` → operation text. */
const MANIFEST_URL = new URL('../../client/generated/persisted-documents.json', import.meta.url);

export function usePersistedManifest(allowArbitrary: boolean): Plugin {
  const manifest = JSON.parse(readFileSync(MANIFEST_URL, 'utf8')) as Record<string, string>;
  return usePersistedOperations({
    allowArbitraryOperations: allowArbitrary,
    getPersistedOperation: (id) => manifest[id] ?? manifest[`sha256:${id}`] ?? null,
    customErrors: {
      persistedQueryOnly: {
        message:
          'Only persisted operations are accepted here: send extensions.persistedQuery.sha256Hash from the manifest.',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
      notFound: {
        message: 'No persisted operation has that hash.',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } },
      },
      keyNotFound: {
        message: 'Send a query, or a persisted operation hash.',
        extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED', http: { status: 400 } },
      },
    },
  }) as Plugin;
}
