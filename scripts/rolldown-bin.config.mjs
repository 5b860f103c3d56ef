// The bin bundle (npm run build:bin): dist/src/cli.js and everything it imports, as
// CommonJS, one chunk per command (loaded lazily). Kysely is left out and read from
// dist/vendor/kysely.cjs (scripts/kysely-entry.mjs), the one copy the application already
// loads through src/store/kysely-runtime.ts: the migrations import 'kysely' directly (they
// never import application code), and bundling that import would put a second Kysely in
// the bin, 128 KB of it in the migrations chunk.
import { defineConfig } from 'rolldown';

/**
 * commander requires node:child_process at the top of lib/command.js for the one thing it
 * uses it for, running an executable subcommand, which sockaudit has none of. Loading it
 * (with net, dgram and the stream machinery it pulls in) was about 3 ms of every command's
 * start-up; here it is loaded on first use instead. The build fails if the line is not
 * found, so a commander upgrade cannot drop this silently.
 */
const lazyChildProcessInCommander = {
  name: 'lazy-child-process-in-commander',
  transform(code, id) {
    if (!/[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return null;
    const eager = "const childProcess = require('node:child_process');";
    if (!code.includes(eager)) throw new Error(`${id}: "${eager}" not found; see scripts/rolldown-bin.config.mjs`);
    const lazy = "let childProcessModule; const childProcess = { spawn: (...args) => (childProcessModule ??= require('node:child_process')).spawn(...args) };";
    return { code: code.replace(eager, lazy), map: null };
  },
};

export default defineConfig({
  input: { sockaudit: 'dist/src/cli.js' },
  platform: 'node',
  external: ['kysely'],
  logLevel: 'warn',
  plugins: [lazyChildProcessInCommander],
  output: {
    format: 'cjs',
    dir: 'dist/bin',
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
    paths: { kysely: '../vendor/kysely.cjs' },
  },
});
