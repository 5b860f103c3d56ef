import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // one real PostgreSQL server for the run (inject('postgres')); tests skip with the reason without one
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
    // the JSON report gives .ci/run its "N passed, N failed" line
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});
