#!/usr/bin/env node
/*
 * diff-bench.mjs - `sockaudit diff last 2` between two ~50k-socket snapshots with ~10% churn,
 * timed as whole processes, and compared with the time of `sockaudit snapshot`.
 *
 * Usage (as root, after `npm run build`):
 *   node bench/diff-bench.mjs [--total 50000] [--churn 0.1] [--runs 5] [--keep]
 *
 * How: two sockload.mjs workloads (../shared/bench/sockload.mjs) hold the sockets on
 * loopback and unix sockets only: a steady one with (1 - churn) of them and a churning one
 * with the rest. Snapshot 1; stop the churning workload and start a fresh one of the same
 * size (new pids, inodes and ports: every one of its sockets closes and another opens);
 * snapshot 2. Then `diff last 2` runs --runs times in each of the formats. Prints a
 * markdown table (for bench/RESULTS.md) on stdout; progress on stderr.
 * Target (issue 4): diff last 2 <= 0.5 s.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSockload } from './lib/sockload.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/bin/sockaudit.cjs');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1];
}
const TOTAL = Number(option('total', '50000'));
const CHURN = Number(option('churn', '0.1'));
const RUNS = Number(option('runs', '5'));
const KEEP = process.argv.includes('--keep');

const log = (text) => process.stderr.write(`diff-bench: ${text}\n`);

/**
 * A sockload workload through the shared starter: it waits for "ready", and the workload
 * stops by itself if this benchmark dies (its stdin is our pipe).
 */
function startWorkload(total, procs) {
  return startSockload({ procs, total, extraArgs: ['--quiet'], log });
}

/** Runs the CLI once; returns wall time in ms, exit status and stdout. */
function timeCli(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(CLI, args, { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 && result.status !== 1) throw new Error(`sockaudit ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
  return { ms, status: result.status, stdout: result.stdout };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;

async function main() {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockaudit-diff-bench-'));
  const db = path.join(dir, 'bench.db');
  const churning = Math.round(TOTAL * CHURN);
  const steadyProcs = Math.max(1, Math.round(50 * (1 - CHURN)));
  const churnProcs = Math.max(1, Math.round(50 * CHURN));
  const workloads = [];
  try {
    log(`starting ${TOTAL - churning} steady and ${churning} churning sockets`);
    workloads.push(await startWorkload(TOTAL - churning, steadyProcs));
    let churner = await startWorkload(churning, churnProcs);
    workloads.push(churner);

    const first = timeCli(['snapshot', '--json', '--db', db]);
    const firstSummary = JSON.parse(first.stdout);
    log(`snapshot 1: ${firstSummary.socketCount} sockets in ${fmt(first.ms)}`);

    await churner.stop();
    churner = await startWorkload(churning, churnProcs);
    workloads.push(churner);
    const second = timeCli(['snapshot', '--json', '--db', db]);
    const secondSummary = JSON.parse(second.stdout);
    log(`snapshot 2: ${secondSummary.socketCount} sockets in ${fmt(second.ms)} (written: +${secondSummary.written.opened} -${secondSummary.written.closed})`);

    const json = JSON.parse(timeCli(['diff', 'last', '2', '--format', 'json', '--db', db]).stdout);
    const perSocket = JSON.parse(timeCli(['diff', 'last', '2', '--sockets', '--format', 'json', '--db', db]).stdout);
    const rows = [];
    for (const [name, args] of [
      ['diff last 2 (text)', []],
      ['diff last 2 --format json', ['--format', 'json']],
      ['diff last 2 --sockets', ['--sockets']],
      ['diff last 2 --format unified', ['--format', 'unified']],
    ]) {
      const times = Array.from({ length: RUNS }, () => timeCli(['diff', 'last', '2', ...args, '--db', db]).ms);
      rows.push({ name, median: median(times), max: Math.max(...times) });
      log(`${name}: median ${fmt(median(times))}, max ${fmt(Math.max(...times))}`);
    }
    const snapshotMs = second.ms;
    const lines = [
      `### diff-bench (${new Date().toISOString()}, ${os.cpus().length} CPUs, node ${process.version})`,
      '',
      `Two snapshots of ${firstSummary.socketCount} and ${secondSummary.socketCount} sockets; ${churning} sockets (${Math.round(CHURN * 100)}%) replaced between them.`,
      `Default report: ${JSON.stringify(json.summary)}; with --sockets: ${JSON.stringify(perSocket.summary)}.`,
      '',
      '| command (whole process) | median | max | ratio to snapshot |',
      '|---|---|---|---|',
      `| snapshot (1st, ${firstSummary.socketCount} sockets) | ${fmt(first.ms)} | | |`,
      `| snapshot (2nd, after churn) | ${fmt(second.ms)} | | 1.00 |`,
      ...rows.map((row) => `| ${row.name} | ${fmt(row.median)} | ${fmt(row.max)} | ${(row.median / snapshotMs).toFixed(2)} |`),
      '',
      `Target: diff last 2 <= 0.5 s: ${rows[0].median <= 500 ? 'met' : 'NOT met'}.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const workload of workloads) await workload.stop();
    if (KEEP) log(`database kept at ${db}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`diff-bench: ${error.message}\n`);
  process.exitCode = 2;
});
