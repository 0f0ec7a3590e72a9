import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the tests (and the recipe for frontend teams, see README "Typed clients"):
 * the committed schema plus every `graphql()` document in the tests → test/gql.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
      documents: ['test/**/*.ts', '!test/gql/**'],
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

// The examples' typed clients (examples/*/README.md): documents as strings, so a page needs no graphql package.
for (const example of ['web-client', 'node-client']) {
  config.generates[`examples/${example}/src/gql/`] = {
    documents: [`examples/${example}/src/**/*.ts`, `!examples/${example}/src/gql/**`],
    preset: 'client',
    config: {
      useTypeImports: true,
      emitLegacyCommonJSImports: false,
      scalars: { DateTime: 'string' },
      enumsAsTypes: true,
      documentMode: 'string',
    },
    presetConfig: { fragmentMasking: false },
  };
}

export default config;
