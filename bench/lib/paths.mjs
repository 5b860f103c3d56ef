/*
 * paths.mjs - where the benchmarks find the repository, the built CLI and sockload.
 *
 * SOCKLOAD can be overridden with the environment variable of the same name, for a checkout
 * that does not sit next to ../shared.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_DIR = path.join(REPO_ROOT, 'bench');
export const CLI_PATH = path.join(REPO_ROOT, 'dist/bin/sockaudit.cjs');
export const SOCKLOAD_PATH = process.env.SOCKLOAD ?? path.resolve(REPO_ROOT, '../shared/bench/sockload.mjs');
export const RESULTS_PATH = path.join(BENCH_DIR, 'RESULTS.md');
