#!/usr/bin/env node
/*
 * year-bench.mjs - a year of 5-minute snapshots of a 10,000-socket host (issue 13): generated
 * through the store (bench/lib/year-history.mjs, year-writer.mjs), then every command of the
 * issue's targets timed as a whole CLI process (node start-up included, stdout to /dev/null).
 *
 * Usage (after `npm run build`; no root needed, no sockets opened):
 *   npm run bench -- year                                    the whole year (a few minutes)
 *   node bench/year-bench.mjs [--snapshots 105120] [--checkpoints 1000,10000] [--reps 3]
 *                             [--verify-reps 3] [--clients 4] [--db FILE] [--keep] [--skip-prune]
 *
 *   --snapshots N     snapshots to generate (default a year, 105,120)
 *   --checkpoints L   also time verify when the history reaches these sizes (default 1000,10000)
 *   --reps N          runs of each read command (diff, show, history, list); the median is reported
 *   --verify-reps N   runs of verify at each checkpoint and at the end (default 3)
 *   --clients N       nginx clients replaced per snapshot (default 4; the rest of the churn is a
 *                     daily service restart and a weekly deployment, see year-history.mjs)
 *   --db FILE         where to write the database (default a temporary directory, removed after)
 *   --keep            keep the database (with --db, or the temporary one)
 *   --skip-prune      leave the prune measurements out (the kept database is then the whole year)
 *
 * Measures: generation time; verify at each checkpoint and for the year, and the ratio
 * time(10k)/time(1k); diff first..last and two adjacent snapshots in the middle; show of the
 * first and a middle snapshot; history --port 22; list --limit 20; the database size and
 * bytes per snapshot; prune --older-than 90d, verify after it, and prune --vacuum's file size.
 * Prints a markdown table on stdout and progress on stderr. Exit 0 when every target is met,
 * 1 when one is missed, 2 on an error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatRatio, formatSeconds } from './lib/format.mjs';
import { describeMachine, machineInfo } from './lib/machine-info.mjs';
import { CLI_PATH, REPO_ROOT } from './lib/paths.mjs';
import { median } from './lib/stats.mjs';
import { timeCommand } from './lib/time-command.mjs';
import { YEAR_SNAPSHOTS, yearHistory } from './lib/year-history.mjs';

const TARGETS = { verifyYearMs: 30_000, verifyRatio: 12, diffMs: 500, showMs: 500, historyMs: 1000, listMs: 200, dbBytes: 300e6, pruneMs: 30_000 };
const HOST = 'year-host';
const log = (text) => process.stderr.write(`year-bench: ${text}\n`);

const { values: args } = parseArgs({
  options: {
    snapshots: { type: 'string', default: String(YEAR_SNAPSHOTS) },
    checkpoints: { type: 'string', default: '1000,10000' },
    reps: { type: 'string', default: '3' },
    'verify-reps': { type: 'string', default: '3' },
    clients: { type: 'string', default: '4' },
    db: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'skip-prune': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(fs.readFileSync(new URL(import.meta.url)).toString().split('\n').slice(1, 30).join('\n') + '\n');
  process.exit(0);
}

/** Takes n steps from an iterator without closing it (a for-of over the generator would). */
function* take(iterator, n) {
  for (let i = 0; i < n; i++) {
    const { value, done } = iterator.next();
    if (done) return;
    yield value;
  }
}

/**
 * Median wall time of `reps` runs of the CLI; the median CPU time (user + system, from GNU
 * time when installed) goes to cpuOf, since on a shared machine wall time is mostly waiting.
 */
const cpuOf = new Map();
async function timeCli(argv, reps, { okExits = [0] } = {}) {
  const times = [];
  const cpu = [];
  const useGnuTime = fs.existsSync('/usr/bin/time');
  for (let i = 0; i < reps; i++) {
    const report = path.join(os.tmpdir(), `year-bench-time-${process.pid}.txt`);
    const command = useGnuTime ? ['/usr/bin/time', '-f', '%U %S', '-o', report, process.execPath, CLI_PATH, ...argv] : [process.execPath, CLI_PATH, ...argv];
    const run = await timeCommand(command, { timeoutMs: 600_000, useGnuTime: false });
    if (!okExits.includes(run.exitCode)) throw new Error(`sockaudit ${argv.join(' ')}: exit ${run.exitCode}: ${run.stderrTail.trim()}`);
    times.push(run.wallMs);
    if (useGnuTime) {
      const [user, system] = fs.readFileSync(report, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
      cpu.push((user + system) * 1000);
      fs.rmSync(report, { force: true });
    }
  }
  const wall = median(times);
  cpuOf.set(wall, cpu.length > 0 ? median(cpu) : null);
  return wall;
}

/** "1.234 s (cpu 0.456 s)" */
const withCpu = (ms) => (cpuOf.get(ms) == null ? formatSeconds(ms) : `${formatSeconds(ms)} (cpu ${formatSeconds(cpuOf.get(ms))})`);

const fileSize = (file) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

async function main() {
  if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} missing: run npm run build`);
  const { openStore } = await import(path.join(REPO_ROOT, 'dist/src/store/open-store.js'));
  const { sql } = await import(path.join(REPO_ROOT, 'dist/src/store/kysely-runtime.js'));
  const { openYearWriter } = await import('./lib/year-writer.mjs');
  const total = Number(args.snapshots);
  const reps = Number(args.reps);
  const verifyReps = Number(args['verify-reps']);
  const checkpoints = args.checkpoints.split(',').filter(Boolean).map(Number).filter((n) => n < total);
  const dir = args.db === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'sockaudit-year-bench-')) : null;
  const db = args.db ?? path.join(dir, 'year.db');
  for (const file of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(file, { force: true });
  const machine = machineInfo();
  const rows = [];
  const row = (what, value, target, met) => rows.push({ what, value, target: target ?? '', met: met === undefined ? '' : met ? 'met' : 'NOT met' });
  let allMet = true;
  const check = (ok) => {
    if (!ok) allMet = false;
    return ok;
  };
  const dbArgs = ['--db', db];
  try {
    const store = await openStore({ db, env: {} });
    const writer = await openYearWriter(store, HOST);
    const steps = yearHistory({ snapshots: total, clientsPerSnapshot: Number(args.clients) });
    const verifyAt = new Map();
    let written = 0;
    let generationMs = 0;
    for (const size of [...checkpoints, total]) {
      const started = performance.now();
      written += await writer.write(take(steps, size - written), {
        perTransaction: 2000,
        onProgress: (count) => {
          if (count % 20_000 < 2000) log(`generated ${written + count} snapshots (${formatSeconds(generationMs + performance.now() - started)})`);
        },
      });
      generationMs += performance.now() - started;
      await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
      if (size === total) break;
      const ms = await timeCli(['verify', ...dbArgs], verifyReps);
      verifyAt.set(size, ms);
      log(`verify of ${size} snapshots: ${formatSeconds(ms)}`);
    }
    await store.close();
    const bytes = fileSize(db);
    log(`generated ${written} snapshots in ${formatSeconds(generationMs)}; ${(bytes / 1e6).toFixed(1)} MB`);
    row('generation (store API, bulk transactions)', `${written} snapshots in ${formatSeconds(generationMs)}`);

    const verifyAll = await timeCli(['verify', ...dbArgs], verifyReps);
    verifyAt.set(written, verifyAll);
    for (const [size, ms] of verifyAt) row(`verify, ${size} snapshots`, `${withCpu(ms)}, ${((ms / size) * 1000).toFixed(1)} us/snapshot`);
    // short of a year: the year's time is the last checkpoint's plus the marginal cost per snapshot
    // beyond it (a fixed part, node's start and the first snapshot's 10,000 sockets, is not per snapshot)
    const lastCheckpoint = checkpoints.at(-1);
    const yearEstimate =
      lastCheckpoint === undefined ? (verifyAll / written) * YEAR_SNAPSHOTS : verifyAll + ((verifyAll - verifyAt.get(lastCheckpoint)) / (written - lastCheckpoint)) * (YEAR_SNAPSHOTS - written);
    if (written === YEAR_SNAPSHOTS) row('verify of the year', withCpu(verifyAll), '<= 30 s', check(verifyAll <= TARGETS.verifyYearMs));
    else row(`verify of the year (extrapolated from ${written})`, formatSeconds(yearEstimate), '<= 30 s', check(yearEstimate <= TARGETS.verifyYearMs));
    if (verifyAt.has(1000) && verifyAt.has(10_000)) {
      const ratio = verifyAt.get(10_000) / verifyAt.get(1000);
      row('verify time(10k) / time(1k)', formatRatio(ratio), '<= 12', check(ratio <= TARGETS.verifyRatio));
    }
    row('database size', `${(bytes / 1e6).toFixed(1)} MB, ${Math.round(bytes / written)} bytes/snapshot`, '< 300 MB (year)', check((bytes / written) * YEAR_SNAPSHOTS < TARGETS.dbBytes));

    // snapshot ids: the writer numbers them 1..written on a fresh database
    const first = 1;
    const last = written;
    const middle = Math.floor(written / 2);
    const timed = async (what, argv, target, limitMs, okExits) => {
      const ms = await timeCli([...argv, ...dbArgs, '--host', HOST], reps, { okExits });
      log(`${what}: ${withCpu(ms)}`);
      row(what, withCpu(ms), target, check(ms <= limitMs));
    };
    await timed(`diff ${first} ${last} (first and last)`, ['diff', String(first), String(last)], '<= 0.5 s', TARGETS.diffMs, [0, 1]);
    await timed(`diff ${middle} ${middle + 1} (adjacent, middle)`, ['diff', String(middle), String(middle + 1)], '<= 0.5 s', TARGETS.diffMs, [0, 1]);
    await timed(`show ${first}`, ['show', String(first)], '<= 0.5 s', TARGETS.showMs);
    await timed(`show ${middle}`, ['show', String(middle)], '<= 0.5 s', TARGETS.showMs);
    await timed('history --port 22', ['history', '--port', '22'], '<= 1 s', TARGETS.historyMs);
    await timed('list --limit 20', ['list', '--limit', '20'], '<= 0.2 s', TARGETS.listMs);

    if (args['skip-prune']) {
      printReport();
      return allMet ? 0 : 1;
    }
    const pruneMs = await timeCli(['prune', '--older-than', '90d', ...dbArgs, '--host', HOST], 1);
    const afterPrune = fileSize(db);
    log(`prune --older-than 90d: ${formatSeconds(pruneMs)}`);
    row('prune --older-than 90d', withCpu(pruneMs), '<= 30 s', check(pruneMs <= TARGETS.pruneMs));
    const verifyPruned = await timeCli(['verify', ...dbArgs], 1);
    row('verify after prune (exit 0)', withCpu(verifyPruned), 'passes', true);
    const vacuumMs = await timeCli(['prune', '--older-than', '90d', '--vacuum', ...dbArgs, '--host', HOST], 1);
    row('file size after prune / after prune --vacuum', `${(afterPrune / 1e6).toFixed(1)} MB / ${(fileSize(db) / 1e6).toFixed(1)} MB (vacuum ${formatSeconds(vacuumMs)})`);
    await timeCli(['verify', ...dbArgs], 1);
    printReport();
    return allMet ? 0 : 1;
  } finally {
    if (args.keep) log(`database kept at ${db}`);
    else if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
    else for (const file of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(file, { force: true });
  }

  function printReport() {
    const lines = [
      `### year-bench (${new Date().toISOString()})`,
      '',
      describeMachine(machine),
      '',
      `Workload: ${total} snapshots 5 minutes apart of one host with 10,000 sockets; ${args.clients} nginx client connections replaced per snapshot,`,
      'a service restarted daily (app, 86 sockets), a deployment weekly (api, 621 sockets); one boot. Commands timed as whole processes,',
      `median of ${reps} (verify: ${verifyReps}; prune: 1); "cpu" is user + system time of the process (GNU time), which load inflates less than wall time.`,
      '',
      '| measure | value | target | |',
      '|---|---|---|---|',
      ...rows.map((r) => `| ${r.what} | ${r.value} | ${r.target} | ${r.met} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`year-bench: ${error.stack ?? error.message}\n`);
    process.exitCode = 2;
  },
);
