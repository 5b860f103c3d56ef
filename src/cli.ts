#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=8 --initial-heap-size=128
// Entry point of the `sockaudit` binary; all wiring lives in program.ts, loaded once the
// head start (below) is under way. The shebang is run by `env -S` (GNU coreutils 8.30+):
// - `-u NODE_EXTRA_CA_CERTS`: Node reads and parses that CA bundle at start-up, in every
//   process, whether it makes a TLS connection or not; sockaudit makes none (its store
//   is a local SQLite file). With the system bundle (Debian's ca-certificates.crt, a
//   common setting) that was 30 ms of every run, 10% of a collection of 50,000 sockets.
//   A store that connects over TLS must take this out again.
// - --max-semi-space-size=8 caps the young generation: an inventory of 50,000 sockets
//   then peaks lower, at no measurable cost in time (the records outlive it anyway);
// - --initial-heap-size=128 lets the heap grow to 128 MB before V8 starts marking the
//   old generation: a run that ends within a second has no garbage worth that work,
//   which was 15 ms of a 0.33 s collection at 50,000 sockets. Only the pages in use are
//   mapped, so peak memory does not change (104 MB at 50,000 sockets either way).
import { wantsFdScanHeadStart } from './cli-head-start.js';
import { EXIT_ERROR } from './errors.js';

// `sockaudit collect | head`: a reader that goes away is not an error of ours
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// collect and snapshot start the fd scan first, while Node loads the rest of the program
// (src/inventory/fd-scan-head-start.ts). No top-level await: the published bin is this
// file bundled as CommonJS (see package.json).
const headStart = wantsFdScanHeadStart(process.argv.slice(2))
  ? import('./inventory/fd-scan-head-start.js').then((module) => module.startFdScanHeadStart())
  : Promise.resolve(null);
headStart
  .then(async (started) => (await import('./program.js')).main(process.argv, { headStart: started }))
  .catch((error: unknown) => {
    process.exitCode = EXIT_ERROR;
    process.stderr.write(`sockaudit: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  });
