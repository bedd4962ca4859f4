import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql realm: Pothos and Yoga load graphql through different entry points (CJS and ESM),
    // which graphql-js refuses ("another module or realm").
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The client tests import @partner-graph/client as a frontend would: built, from packages/client/dist.
    globalSetup: ['test/support/build-client.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
