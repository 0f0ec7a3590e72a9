import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships ESM (`module`) and CJS (`main`) without an exports map: Vite would pick the ESM
    // build for our code while Node loads the CJS one for Yoga and Pothos, and graphql refuses to mix
    // two instances ("Cannot use GraphQLSchema from another module or realm"). Use Node's choice.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/redis-global-setup.ts', 'test/support/tracked-files-guard.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    env: { NODE_ENV: 'test' },
  },
});
