#!/usr/bin/env node
// Entry point of the `sockaudit` binary; all wiring lives in program.ts.
import { main } from './program.js';

await main(process.argv);
