import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the tests (and the recipe for frontend teams, see README "Typed clients"):
 * the committed schema plus every `graphql()` document in the tests → test/gql.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
      },
      // persistedDocuments also writes test/gql/persisted-documents.json ({ sha256: document }), the
      // manifest GATEWAY_TRUSTED_DOCUMENTS enforces (docs/security.md, "Trusted documents").
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
    },
  },
};

export default config;
