#!/usr/bin/env node
// Entry point of the `sockaudit` binary; all wiring lives in program.ts.
import { main } from './program.js';

// `sockaudit collect | head`: a reader that goes away is not an error of ours
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

await main(process.argv);
