// The bin bundle (npm run build:bin): dist/src/cli.js and everything it imports, as
// CommonJS, one chunk per command (loaded lazily). Kysely is left out and read from
// dist/vendor/kysely.cjs (scripts/kysely-entry.mjs), the one copy the application already
// loads through src/store/kysely-runtime.ts: the migrations import 'kysely' directly (they
// never import application code), and bundling that import would put a second Kysely in
// the bin, 128 KB of it in the migrations chunk.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: { sockaudit: 'dist/src/cli.js' },
  platform: 'node',
  external: ['kysely'],
  logLevel: 'warn',
  output: {
    format: 'cjs',
    dir: 'dist/bin',
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
    paths: { kysely: '../vendor/kysely.cjs' },
  },
});
