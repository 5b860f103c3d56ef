// Makes the bin's V8 code caches (src/code-cache.ts): runs the built bin through its
// launcher, once per command below, with SOCKAUDIT_WRITE_CODE_CACHE set, so that each
// chunk's cache holds every function those commands compiled. Each run starts from the
// caches of the runs before it, so the caches grow into their union. Run by build:bin,
// right after the chunks are written (dist/bin, caches included, is removed first).
//
// Every run is local: a scratch database in a temporary directory, this machine's /proc
// (the live paths) and, in a checkout, a captured tree (the /proc text paths). A command
// that fails here (no /proc to read, not root) only leaves its chunks' caches smaller; the
// build never fails for it. Commands that need a PostgreSQL server are not run: their
// chunks compile at start-up as they did before.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// the loader's own layout (tsc has compiled it by now: build:ts runs before build:bin)
import { BUILT_BY_FILE, codeCacheDirectory } from '../dist/src/code-cache.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'dist/bin/sockaudit.cjs');
const cacheDirectory = codeCacheDirectory(path.dirname(bin));
const fixture = path.join(repo, 'fixtures/proc/sockload-1k');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sockaudit-code-cache-'));
const written = path.join(scratch, 'written');
const db = path.join(scratch, 'store.db');
const baseline = path.join(scratch, 'baseline.json');

const runs = [
  ['--help'],
  ['collect', '--json'],
  ['collect'],
  ...(fs.existsSync(fixture) ? [['collect', '--proc-root', fixture, '--json'], ['collect', '--proc-root', fixture]] : []),
  ['snapshot', '--db', db],
  ['snapshot', '--db', db, '--label', 'second'],
  ['list', '--db', db],
  ['show', '--db', db],
  ['show', '--db', db, '--json'],
  ['diff', '--db', db],
  ['diff', '--db', db, '--format', 'json'],
  ['history', '--db', db, '--port', '22'],
  ['listening', '--db', db],
  ['baseline', 'create', '--db', db], // its output is the baseline the next run checks
  ['check', '--db', db, '--baseline', baseline],
  ['verify', '--db', db],
  ['events', '--db', db],
  ['doctor', '--db', db],
];

fs.mkdirSync(cacheDirectory, { recursive: true });
let failed = 0;
try {
  for (const args of runs) {
    fs.rmSync(written, { recursive: true, force: true });
    fs.mkdirSync(written);
    const output = args[0] === 'baseline' ? fs.openSync(baseline, 'w') : 'ignore';
    const run = spawnSync(bin, args, {
      env: { ...process.env, SOCKAUDIT_WRITE_CODE_CACHE: written, NO_COLOR: '1' },
      stdio: ['ignore', output, 'pipe'],
      timeout: 60_000,
    });
    if (output !== 'ignore') fs.closeSync(output);
    // exit 1 is an answer (differences, findings); 2 or a signal is a command that failed here
    if (run.error !== undefined || run.signal !== null || run.status === null || run.status > 1) failed += 1;
    // copied, not renamed: the temporary directory may be on another file system
    for (const name of fs.readdirSync(written)) fs.copyFileSync(path.join(written, name), path.join(cacheDirectory, name));
  }
  fs.writeFileSync(path.join(cacheDirectory, BUILT_BY_FILE), `${JSON.stringify({ node: process.version, v8: process.versions.v8 })}\n`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
const caches = fs.readdirSync(cacheDirectory).filter((name) => name.endsWith('.v8')).length;
const chunks = fs.readdirSync(path.dirname(bin)).filter((name) => name.endsWith('.cjs')).length - 1; // the entry is not a chunk
console.log(`code cache: ${caches} of ${chunks} chunks cached in ${path.relative(repo, cacheDirectory)}${failed > 0 ? ` (${failed} of ${runs.length} runs failed here; their chunks' caches are smaller)` : ''}`);
