// Entry point of the `sockaudit` binary; all wiring lives in program.ts, loaded once the
// head start (below) is under way. The published bin is this file bundled as CommonJS
// (dist/bin/sockaudit.cjs), with a launcher on top that starts Node with two heap flags
// and without NODE_EXTRA_CA_CERTS: why, and what it saves, in scripts/add-launcher.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wantsFdScanHeadStart } from './cli-head-start.js';
import { installCodeCache } from './code-cache.js';
import { EXIT_ERROR } from './errors.js';

// before any chunk loads: each compiles from its V8 code cache (src/code-cache.ts). The
// variable is the build's (scripts/make-code-cache.mjs), which writes the caches.
installCodeCache(path.dirname(fileURLToPath(import.meta.url)), process.env.SOCKAUDIT_WRITE_CODE_CACHE || undefined);

// `sockaudit collect | head`: a reader that goes away is not an error of ours
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// collect and snapshot start the fd scan first, while Node loads the rest of the program;
// the collector takes it from there (src/inventory/fd-scan-head-start.ts). No top-level
// await: the published bin is this file bundled as CommonJS (see package.json).
const headStart = wantsFdScanHeadStart(process.argv.slice(2))
  ? import('./inventory/fd-scan-head-start.js').then((module) => void module.startFdScanHeadStart())
  : Promise.resolve();
headStart
  .then(async () => (await import('./program.js')).main(process.argv))
  .catch((error: unknown) => {
    process.exitCode = EXIT_ERROR;
    process.stderr.write(`sockaudit: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  });
