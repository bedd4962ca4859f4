import type { CodegenConfig } from '@graphql-codegen/cli';

/** `npm run codegen`: typed documents for the operations in src/client/operations. */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/client/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        scalars: { Decimal: 'string', Date: 'string', DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
