#!/usr/bin/env node
/*
 * run.mjs - `npm run bench`: runs the benchmark scripts in bench/, one node process each.
 *
 *   npm run bench                                  the collect benchmark (default)
 *   npm run bench -- collect store diff history    these, in this order
 *   npm run bench -- --all                         every benchmark
 *   npm run bench -- collect --sizes 1k,10k --reps 3
 *   npm run bench -- --list
 *
 * Words naming a benchmark select it (NAME runs bench/NAME-bench.mjs); every other argument is
 * passed unchanged to each selected benchmark, so give benchmark-specific options only when one
 * benchmark is selected, or run bench/NAME-bench.mjs directly. A benchmark whose script does not
 * exist yet is reported and skipped. Exit status: the highest of the benchmarks' exit statuses
 * (0 all targets met, 1 a target missed, 2 an error).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, CLI_PATH } from './lib/paths.mjs';

const BENCHMARKS = ['collect', 'store', 'diff', 'history', 'year', 'fleet'];
const DEFAULT_BENCHMARKS = ['collect'];

const USAGE = `usage: npm run bench -- [NAME...] [--all] [OPTIONS...]
  NAME       one of ${BENCHMARKS.join(', ')} (default: ${DEFAULT_BENCHMARKS.join(' ')}); runs bench/NAME-bench.mjs
  --all      every benchmark
  --list     the benchmarks and whether their scripts exist
  OPTIONS    passed to each selected benchmark (e.g. \`npm run bench -- collect --help\`)
See bench/README.md.
`;

const scriptOf = (name) => path.join(BENCH_DIR, `${name}-bench.mjs`);
const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** Splits argv into selected benchmark names and the arguments passed through to them. */
export function parseRunArgs(argv) {
  const names = [];
  const passThrough = [];
  let all = false;
  let list = false;
  let help = false;
  for (const arg of argv) {
    if (arg === '--all') all = true;
    else if (arg === '--list') list = true;
    else if ((arg === '--help' || arg === '-h') && names.length === 0 && !all) help = true;
    else if (BENCHMARKS.includes(arg) && passThrough.length === 0) names.push(arg);
    else passThrough.push(arg);
  }
  const selected = all ? BENCHMARKS : names.length ? [...new Set(names)] : DEFAULT_BENCHMARKS;
  return { selected, passThrough, list, help };
}

function runScript(script, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', (error) => {
      log(`${script}: ${error.message}`);
      resolve(2);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 2 : 0)));
  });
}

async function main() {
  const { selected, passThrough, list, help } = parseRunArgs(process.argv.slice(2));
  if (help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (list) {
    for (const name of BENCHMARKS) {
      process.stdout.write(`${name.padEnd(8)} bench/${name}-bench.mjs${fs.existsSync(scriptOf(name)) ? '' : ' (not written yet)'}\n`);
    }
    return 0;
  }
  if (!fs.existsSync(CLI_PATH)) {
    log(`${CLI_PATH} is missing: run \`npm run build\` first`);
    return 2;
  }
  let status = 0;
  const summary = [];
  for (const name of selected) {
    const script = scriptOf(name);
    if (!fs.existsSync(script)) {
      log(`${name}: bench/${name}-bench.mjs does not exist yet; skipped`);
      summary.push(`${name}: skipped (no script)`);
      continue;
    }
    log(`${name}: node bench/${name}-bench.mjs ${passThrough.join(' ')}`.trimEnd());
    const code = await runScript(script, passThrough);
    summary.push(`${name}: exit ${code}${code === 1 ? ' (a target was missed)' : code >= 2 ? ' (error)' : ''}`);
    status = Math.max(status, code);
  }
  if (selected.length > 1) log(`done: ${summary.join('; ')}`);
  return status;
}

// Run only as a script, so that parseRunArgs can be imported without starting benchmarks.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      log(error.stack ?? error.message);
      process.exitCode = 2;
    },
  );
}
