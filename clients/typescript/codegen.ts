// GraphQL Code Generator: typed documents for every graphql(`...`) in src/, from the
// committed schema (never from a running server, so the types are the release's).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  ignoreNoDocuments: false,
  emitLegacyCommonJSImports: false, // '.js' in relative imports, as NodeNext wants
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { ID: 'string', Time: 'string' },
      },
    },
  },
};

export default config;
