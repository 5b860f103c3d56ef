#!/usr/bin/env node
/*
 * store-bench.mjs - the storage figures of issue 3 (Performance), on sockload workloads:
 *
 *   1. an unchanged `sockaudit snapshot` at 10k sockets, as a ratio to a bare
 *      `sockaudit collect --json` timed in the same run (target <= 1.3);
 *   2. database growth per unchanged snapshot over 100 snapshots of 10k sockets (<= 2 KB);
 *   3. bytes per changed socket with 10% of the connections replaced between snapshots (<= 300);
 *   4. `sockaudit show` of a 50k-socket snapshot (<= 0.5 s).
 *
 * Usage (after `npm run build`):
 *   node bench/store-bench.mjs [--reps 5] [--snapshots 100] [--churn-cycles 5] [--figures 1,2,3,4]
 *                              [--skip-show] [--write-results] [--results FILE]
 *
 * 1 and 4 time whole CLI processes (node start-up included, stdout to /dev/null), alternating
 * the two commands so neither always runs first. 2 and 3 run collect + store in this process
 * (the figure is bytes, not time) and measure the database file after closing it (so the WAL
 * has been checkpointed into it). The host's own sockets change too (other processes): the
 * versions written and closed are reported beside each figure so that the reader can see what
 * "unchanged" meant. Exit 0 when every target is met, 1 when one is missed, 2 on an error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatRatio, formatSeconds } from './lib/format.mjs';
import { describeMachine, loadWarning, machineInfo } from './lib/machine-info.mjs';
import { markdownTable } from './lib/markdown-table.mjs';
import { CLI_PATH, REPO_ROOT, RESULTS_PATH } from './lib/paths.mjs';
import { writeResultsSection } from './lib/results-file.mjs';
import { startSockload } from './lib/sockload.mjs';
import { summarize } from './lib/stats.mjs';
import { timeCommand } from './lib/time-command.mjs';

const USAGE = `usage: node bench/store-bench.mjs [options]
  --reps N            timed runs of each command for figures 1 and 4 (default 5)
  --snapshots N       unchanged snapshots for figure 2 (default 100)
  --churn-cycles N    snapshots with 10% of connections replaced, for figure 3 (default 5)
  --figures LIST      which figures to measure, comma-separated (default 1,2,3,4)
  --skip-show         skip figure 4 (the 50k-socket workload); same as leaving 4 out of --figures
  --write-results     also write the report into bench/RESULTS.md (section store-bench)
  --results FILE      results file for --write-results (default bench/RESULTS.md)
  --help`;

const TARGETS = { ratio: 1.3, bytesPerUnchanged: 2048, bytesPerChanged: 300, showMs: 500 };
const log = (text) => process.stderr.write(`store-bench: ${text}\n`);

const dist = (file) => import(path.join(REPO_ROOT, 'dist/src', file));

/** Which Kysely build the CLI loads (see src/store/kysely-runtime.ts). */
function kyselyBuild() {
  return fs.existsSync(path.join(REPO_ROOT, 'dist/vendor/kysely.cjs')) ? 'bundle (dist/vendor/kysely.cjs)' : 'CommonJS build from node_modules';
}

function fileSize(file) {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

/** Size of the database with its WAL folded in: only meaningful with the store closed. */
function closedDatabaseSize(file) {
  return fileSize(file) + fileSize(`${file}-wal`);
}

async function openTools() {
  const { collectInventory } = await dist('inventory/collect.js');
  const { openStore } = await dist('store/open-store.js');
  const { writeSnapshot } = await dist('store/write-snapshot.js');
  const { cmdlineRenderer } = await dist('store/cmdline-policy.js');
  /** One snapshot as the CLI would take it (redacted command lines), in this process. */
  const snapshotInProcess = async (store) => {
    const inventory = await collectInventory({ procRoot: '/proc', cmdline: cmdlineRenderer('redacted') });
    return writeSnapshot(store, inventory, { host: inventory.meta.host });
  };
  return { openStore, snapshotInProcess };
}

/** Figure 1: unchanged snapshot vs collect --json, both whole processes, alternating. */
async function measureSnapshotRatio(db, reps) {
  const collect = [CLI_PATH, 'collect', '--json'];
  const snapshot = [CLI_PATH, 'snapshot', '--json', '--db', db];
  const seed = await timeCommand(snapshot);
  if (seed.exitCode !== 0) throw new Error(`snapshot failed: ${seed.stderrTail}`);
  const times = { collect: [], snapshot: [] };
  const written = [];
  const out = path.join(path.dirname(db), 'snapshot.json');
  for (let round = 0; round < reps; round++) {
    const order = round % 2 === 0 ? ['collect', 'snapshot'] : ['snapshot', 'collect'];
    for (const name of order) {
      const run = await timeCommand(name === 'collect' ? collect : snapshot, { stdout: name === 'snapshot' ? out : '/dev/null' });
      if (run.exitCode !== 0) throw new Error(`${name} failed: ${run.stderrTail}`);
      times[name].push(run.wallMs);
      if (name === 'snapshot') written.push(JSON.parse(fs.readFileSync(out, 'utf8')));
    }
  }
  const collectMs = summarize(times.collect).median;
  const snapshotMs = summarize(times.snapshot).median;
  return {
    collectMs,
    snapshotMs,
    ratio: snapshotMs / collectMs,
    socketCount: written.at(-1)?.socketCount ?? null,
    opened: written.map((entry) => entry.written.opened),
    closed: written.map((entry) => entry.written.closed),
    storeDurationMs: summarize(written.map((entry) => entry.durationMs)).median,
  };
}

/** Figure 2: growth of the database per unchanged snapshot. */
async function measureUnchangedGrowth(tools, db, count) {
  let store = await tools.openStore({ db, env: {} });
  await tools.snapshotInProcess(store);
  await store.close();
  const before = closedDatabaseSize(db);
  store = await tools.openStore({ db, env: {} });
  let opened = 0;
  let closed = 0;
  let socketCount = 0;
  for (let index = 0; index < count; index++) {
    const summary = await tools.snapshotInProcess(store);
    opened += summary.written.opened;
    closed += summary.written.closed;
    socketCount = summary.socketCount;
  }
  await store.close();
  const after = closedDatabaseSize(db);
  return { count, socketCount, before, after, bytesPerSnapshot: (after - before) / count, opened, closed };
}

/** Figure 3: bytes per changed socket, replacing a tenth of the connections between snapshots. */
async function measureChurn(tools, db, cycles, connections) {
  const churnArgs = { procs: 4, extraArgs: ['--tcp', String(connections), '--listen', '4', '--no-verify'], log };
  let churn = await startSockload(churnArgs);
  try {
    let store = await tools.openStore({ db, env: {} });
    await tools.snapshotInProcess(store);
    await store.close();
    const before = closedDatabaseSize(db);
    let opened = 0;
    let closed = 0;
    store = await tools.openStore({ db, env: {} });
    for (let cycle = 0; cycle < cycles; cycle++) {
      await churn.stop();
      churn = await startSockload(churnArgs);
      const summary = await tools.snapshotInProcess(store);
      opened += summary.written.opened;
      closed += summary.written.closed;
    }
    await store.close();
    const after = closedDatabaseSize(db);
    const growth = after - before;
    return { cycles, connections, growth, opened, closed, bytesPerOpened: growth / opened, bytesPerChanged: growth / (opened + closed) };
  } finally {
    await churn.stop();
  }
}

/** Figure 4: `show` (table and --json) of the latest snapshot, whole processes. */
async function measureShow(db, reps) {
  const snapshot = await timeCommand([CLI_PATH, 'snapshot', '--quiet', '--db', db]);
  if (snapshot.exitCode !== 0) throw new Error(`snapshot failed: ${snapshot.stderrTail}`);
  const table = [];
  const json = [];
  for (let round = 0; round < reps; round++) {
    for (const [list, extra] of round % 2 === 0 ? [[table, []], [json, ['--json']]] : [[json, ['--json']], [table, []]]) {
      const run = await timeCommand([CLI_PATH, 'show', '--db', db, ...extra]);
      if (run.exitCode !== 0) throw new Error(`show failed: ${run.stderrTail}`);
      list.push(run.wallMs);
    }
  }
  const { openStore } = await dist('store/open-store.js');
  const { listSnapshots } = await dist('store/list-snapshots.js');
  const store = await openStore({ db, env: {} });
  const [latest] = await listSnapshots(store, fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(), 1);
  await store.close();
  return { socketCount: latest?.socketCount ?? null, tableMs: summarize(table).median, jsonMs: summarize(json).median };
}

async function main() {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '5' },
      snapshots: { type: 'string', default: '100' },
      'churn-cycles': { type: 'string', default: '5' },
      figures: { type: 'string', default: '1,2,3,4' },
      'skip-show': { type: 'boolean', default: false },
      'write-results': { type: 'boolean', default: false },
      results: { type: 'string', default: RESULTS_PATH },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!fs.existsSync(CLI_PATH)) {
    log(`${CLI_PATH} is missing: run \`npm run build\` first`);
    return 2;
  }
  const reps = Number(values.reps);
  const figures = new Set(values.figures.split(',').map((figure) => figure.trim()));
  if (values['skip-show']) figures.delete('4');
  const machine = machineInfo();
  const warning = loadWarning(machine.loadAverage);
  if (warning) log(warning);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-bench-'));
  const tools = await openTools();
  const results = {};
  try {
    if (figures.has('1') || figures.has('2') || figures.has('3')) {
      const base = await startSockload({ procs: 50, total: 10000, log });
      try {
        if (figures.has('1')) {
          log('figure 1: unchanged snapshot vs collect --json');
          results.ratio = await measureSnapshotRatio(path.join(dir, 'ratio.db'), reps);
        }
        if (figures.has('2')) {
          log(`figure 2: ${values.snapshots} unchanged snapshots`);
          results.growth = await measureUnchangedGrowth(tools, path.join(dir, 'growth.db'), Number(values.snapshots));
        }
        if (figures.has('3')) {
          // 10% of the base workload's 2,100 connections (4,200 TCP sockets of its 10,000)
          log('figure 3: 10% of connections replaced between snapshots');
          results.churn = await measureChurn(tools, path.join(dir, 'churn.db'), Number(values['churn-cycles']), 210);
        }
      } finally {
        await base.stop();
      }
    }
    if (figures.has('4')) {
      const big = await startSockload({ procs: 200, total: 50000, log });
      try {
        log('figure 4: show of a 50k-socket snapshot');
        results.show = await measureShow(path.join(dir, 'show.db'), reps);
      } finally {
        await big.stop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
  const pass = (ok) => (ok ? 'met' : '**missed**');
  const checks = [];
  if (results.ratio) {
    checks.push(['unchanged snapshot / collect --json at 10k', formatRatio(results.ratio.ratio), `<= ${TARGETS.ratio}`, results.ratio.ratio <= TARGETS.ratio,
      `snapshot ${formatSeconds(results.ratio.snapshotMs)} vs collect ${formatSeconds(results.ratio.collectMs)} (medians of ${reps}); ${results.ratio.socketCount} sockets; versions opened per run ${results.ratio.opened.join(',')}, closed ${results.ratio.closed.join(',')}; kysely ${kyselyBuild()}`]);
  }
  if (results.growth) {
    checks.push(['growth per unchanged snapshot at 10k', kb(results.growth.bytesPerSnapshot), '<= 2 KB', results.growth.bytesPerSnapshot <= TARGETS.bytesPerUnchanged,
      `${results.growth.count} snapshots of ${results.growth.socketCount} sockets: ${results.growth.before} -> ${results.growth.after} bytes; the host's own churn meanwhile: ${results.growth.opened} versions opened, ${results.growth.closed} closed`]);
  }
  if (results.churn) {
    checks.push(['bytes per changed socket, 10% connections replaced', results.churn.bytesPerOpened.toFixed(0), '<= 300', results.churn.bytesPerOpened <= TARGETS.bytesPerChanged,
      `${results.churn.cycles} snapshots, ${results.churn.connections} connections replaced before each: +${results.churn.growth} bytes for ${results.churn.opened} versions written and ${results.churn.closed} closed (${results.churn.bytesPerChanged.toFixed(0)} bytes per opened-or-closed socket)`]);
  }
  if (results.show) {
    checks.push(['show of a 50k-socket snapshot', formatSeconds(results.show.tableMs), '<= 0.5 s', results.show.tableMs <= TARGETS.showMs,
      `${results.show.socketCount} sockets; show --json ${formatSeconds(results.show.jsonMs)} (medians of ${reps}, whole processes)`]);
  }
  const report = [
    '## Storage (bench/store-bench.mjs, issue 3)',
    '',
    describeMachine(machine),
    '',
    markdownTable(['figure', 'measured', 'target', 'result', 'details'], checks.map(([name, value, target, ok, details]) => [name, value, target, pass(ok), details]), ['left', 'right', 'left', 'left', 'left']),
    '',
  ].join('\n');
  process.stdout.write(`${report}\n`);
  if (values['write-results']) {
    writeResultsSection(values.results, 'store-bench', report);
    log(`written to ${values.results}`);
  }
  return checks.every(([, , , ok]) => ok) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    log(error.stack ?? error.message);
    process.exitCode = 2;
  },
);
