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
    globalSetup: [
      'test/support/redis-global-setup.ts',
      'test/support/tracked-files-guard.ts',
      'test/support/built-entry-setup.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Test files share their worker's module registry (no fresh import of the gateway per file): so no
    // test may replace a module (vi.mock), which test/repo/test-isolation.test.ts checks. The suites
    // mostly wait (child processes, Redis, sockets, the browser): three workers on two cores overlap
    // those waits.
    isolate: false,
    maxWorkers: 3,
    env: { NODE_ENV: 'test' },
  },
});
