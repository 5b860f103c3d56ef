#!/usr/bin/env node
/*
 * watch-soak.mjs - `sockaudit watch` left running under churn: its CPU time and resident
 * memory over the run, and how soon a new listener is reported with its owner.
 * Not part of `npm test` (it takes --minutes); run as root after `npm run build`:
 *
 *   node bench/watch-soak.mjs [--minutes 10] [--total 10000] [--procs 100] [--interval 1s]
 *                             [--churn 0.02] [--churn-every 10] [--trials 50] [--warmup 30]
 *
 * How: a steady sockload workload (../shared/bench/sockload.mjs) of --total sockets over
 * --procs processes; a churning one of --churn of that size, stopped and started afresh
 * every --churn-every seconds (every one of its sockets closes, its listeners included,
 * and others open under new pids). `sockaudit watch --json --interval I` runs on a
 * database of its own, as the bin runs it (node with the launcher's flags, read from
 * dist/bin/sockaudit.cjs) plus bench/lib/memory-probe.cjs, which reports V8's heap on fd 3.
 * After --warmup seconds (counted from watch's ready line, which follows its first full
 * snapshot), its utime+stime (/proc/PID/stat fields 14 and 15), VmRSS (/proc/PID/status),
 * heapUsed/heapTotal (the probe) and the number of snapshots stored are sampled every 10 s. Meanwhile, --trials times at
 * a random point of the poll cycle, this script opens a loopback listener and measures the
 * time until watch prints its `opened` event with this process as owner (the latency a
 * reviewer sees), then closes it.
 * Prints a summary (JSON on stdout, progress on stderr): CPU % of one core over the
 * measured window; VmRSS at ready, at the start of the window, after the first scheduled
 * snapshot in it, at its end, its min and max, and the growth (defined beside it below:
 * median of the window's last minute minus median of its first, both after the first
 * full snapshot); heapUsed and
 * heapTotal; latency p50/p95/max; each target met or missed.
 * Targets (issue 16): CPU <= 2% of one core over 5 minutes at 10k sockets / 100 processes;
 * RSS growth < 5 MB; a new listener reported with owner within 1.5 s in 95% of 50 trials.
 * Investigation only: --snapshot-every D (watch's, default 5m), --node-flags "--trace-gc"
 * with --trace-file F (what watch then writes to stdout besides events), --heap-at 60,end
 * with --heap-dir D (V8 heap snapshots, seconds into the window; they inflate RSS).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startSockload } from './lib/sockload.mjs';

const Database = createRequire(import.meta.url)('better-sqlite3');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/bin/sockaudit.cjs');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1];
}
const MINUTES = Number(option('minutes', '10'));
const TOTAL = Number(option('total', '10000'));
const PROCS = Number(option('procs', '100'));
const INTERVAL = option('interval', '1s');
const CHURN = Number(option('churn', '0.02'));
const CHURN_EVERY_S = Number(option('churn-every', '10'));
const TRIALS = Number(option('trials', '50'));
const WARMUP_S = Number(option('warmup', '30'));
const SNAPSHOT_EVERY = option('snapshot-every', '5m');
/** seconds into the window at which to write a V8 heap snapshot (investigation only: each costs memory itself), e.g. 60,end */
const HEAP_AT = option('heap-at', '');
const HEAP_DIR = option('heap-dir', '');
/** a file for what watch writes on stdout that is not an event (--node-flags --trace-gc) */
const TRACE = option('trace-file', null);
const PROBE = path.join(ROOT, 'bench/lib/memory-probe.cjs');
/** more node flags for watch (investigation, e.g. --trace-gc): after the launcher's own */
const NODE_FLAGS = option('node-flags', '').split(' ').filter((flag) => flag !== '');

/**
 * The node flags the bin's launcher (scripts/add-launcher.mjs) execs node with: watch runs
 * as `node FLAGS --require memory-probe.cjs sockaudit.cjs watch ...`, the bin as a user
 * (or the systemd unit) runs it, plus the probe.
 */
function launcherFlags() {
  const launcher = fs.readFileSync(CLI, 'utf8').split('\n', 2)[1] ?? '';
  const flags = /exec node (.*?) "\$0"/.exec(launcher);
  if (flags === null) throw new Error(`${CLI}: no launcher line (exec node ... "$0"): rebuild`);
  return flags[1].split(' ').filter((flag) => flag !== '');
}
const TICKS = 100; // USER_HZ: /proc/PID/stat counts in 1/100 s on Linux

const log = (text) => process.stderr.write(`watch-soak: ${new Date().toISOString()} ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function readUsage(pid, probe, dbPath) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime (fields 14, 15)
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  // V8's share, from the probe's latest line (at most WATCH_SOAK_PROBE_MS old); the rest of RSS is native: code, malloc arenas, SQLite
  const heap = probe === null ? null : { heapUsedKb: Math.round(probe.heapUsed / 1024), heapTotalKb: Math.round(probe.heapTotal / 1024), externalKb: Math.round(probe.external / 1024) };
  return { at: Date.now(), cpuSeconds, rssKb, ...heap, snapshots: countSnapshots(dbPath) };
}

/** Full snapshots watch has stored so far (read-only; WAL lets this read beside watch's writes). */
function countSnapshots(dbPath) {
  let db;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    return db.prepare('SELECT count(*) AS n FROM snapshots').get().n;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

const shown = (ms) => (Number.isFinite(ms) ? ms : '> 10000');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root: watch enters every namespace and reads every process fd');
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockaudit-watch-soak-'));
  const workloads = [];
  let watch = null;
  try {
    const churnTotal = Math.max(20, Math.round(TOTAL * CHURN));
    const churnProcs = Math.max(1, Math.round(PROCS * CHURN));
    workloads.push(await startSockload({ procs: PROCS - churnProcs, total: TOTAL - churnTotal, extraArgs: ['--quiet'], log }));
    let churner = await startSockload({ procs: churnProcs, total: churnTotal, extraArgs: ['--quiet', '--no-verify'], log });

    const dbPath = path.join(dir, 'soak.db');
    const env = { ...process.env, WATCH_SOAK_HEAP_DIR: HEAP_DIR };
    delete env.NODE_EXTRA_CA_CERTS; // as the launcher does
    watch = spawn(process.execPath, [...launcherFlags(), ...NODE_FLAGS, '--require', PROBE, CLI, 'watch', '--json', '--interval', INTERVAL, '--snapshot-every', SNAPSHOT_EVERY, '--db', dbPath], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env,
    });
    let probe = null; // the latest process.memoryUsage() of watch
    readline.createInterface({ input: watch.stdio[3] }).on('line', (text) => {
      const line = JSON.parse(text);
      if (line.heapSnapshot !== undefined) log(`heap snapshot ${line.heapSnapshot}`);
      else probe = line;
    });
    let stderr = '';
    watch.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-8192)));
    const waiting = new Map(); // port -> resolve
    const counts = { opened: 0, closed: 0, 'short-lived': 0, lost: 0, violation: 0 };
    readline.createInterface({ input: watch.stdout }).on('line', (text) => {
      let event;
      try {
        event = JSON.parse(text);
      } catch {
        // --node-flags --trace-gc writes to the same stdout, at times into the middle of an event's line
        if (TRACE !== null) fs.appendFileSync(TRACE, `${text}\n`);
        counts.unreadable = (counts.unreadable ?? 0) + 1;
        return;
      }
      counts[event.event] = (counts[event.event] ?? 0) + 1;
      if (event.event === 'opened' && event.socket?.owners?.some((owner) => owner.pid === process.pid)) waiting.get(event.socket.localPort)?.(Date.now());
    });
    while (!stderr.includes('sockaudit: watching')) {
      if (watch.exitCode !== null) throw new Error(`watch exited: ${stderr}`);
      await sleep(100);
    }
    const atReady = readUsage(watch.pid, probe, dbPath); // right after watch's first full snapshot and first poll
    log(`watch ready (pid ${watch.pid}, VmRSS ${atReady.rssKb} kB); warming up ${WARMUP_S} s`);

    const end = Date.now() + MINUTES * 60_000;
    let stopChurn = false;
    const churning = (async () => {
      while (!stopChurn) {
        await sleep(CHURN_EVERY_S * 1000);
        if (stopChurn) break;
        await churner.stop();
        churner = await startSockload({ procs: churnProcs, total: churnTotal, extraArgs: ['--quiet', '--no-verify'] });
      }
      await churner.stop();
    })();

    await sleep(WARMUP_S * 1000);
    const samples = [readUsage(watch.pid, probe, dbPath)];
    const sampler = setInterval(() => samples.push(readUsage(watch.pid, probe, dbPath)), 10_000);
    const heapTimers = [];
    for (const at of HEAP_AT.split(',').filter((text) => text !== '' && text !== 'end')) heapTimers.push(setTimeout(() => watch.kill('SIGUSR2'), Number(at) * 1000));

    const latencies = [];
    const trialsEnd = end - 5_000;
    const spacing = Math.max(2_000, (trialsEnd - Date.now()) / Math.max(1, TRIALS));
    for (let trial = 0; trial < TRIALS && Date.now() < trialsEnd; trial++) {
      await sleep(Math.random() * 1000 + Math.max(0, spacing - 1000) * Math.random());
      const server = net.createServer();
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const opened = Date.now();
      const port = server.address().port;
      const reported = await Promise.race([new Promise((resolve) => waiting.set(port, resolve)), sleep(10_000).then(() => null)]);
      waiting.delete(port);
      latencies.push(reported === null ? Infinity : reported - opened);
      await new Promise((resolve) => server.close(resolve));
    }
    log(`${latencies.length} latency trials done; waiting for the end of the run`);
    while (Date.now() < end) await sleep(1_000);
    clearInterval(sampler);
    samples.push(readUsage(watch.pid, probe, dbPath));
    for (const timer of heapTimers) clearTimeout(timer);
    if (HEAP_AT.split(',').includes('end')) {
      watch.kill('SIGUSR2');
      await sleep(15_000);
    }
    stopChurn = true;
    await churning;

    const first = samples[0];
    // the first sample after a scheduled snapshot was stored (the soak database's snapshot count went up)
    const afterSnapshot = samples.find((sample) => sample.snapshots !== null && first.snapshots !== null && sample.snapshots > first.snapshots) ?? null;
    const last = samples.at(-1);
    const windowS = (last.at - first.at) / 1000;
    const finite = latencies.filter(Number.isFinite);
    const growthKb =
      median(samples.filter((sample) => last.at - sample.at <= 60_000).map((sample) => sample.rssKb)) -
      median(samples.filter((sample) => sample.at - first.at <= 60_000).map((sample) => sample.rssKb));
    const summary = {
      machine: { cpus: os.cpus().length, load: os.loadavg(), note: 'shared machine: figures are indicative' },
      workload: { total: TOTAL, procs: PROCS, churn: CHURN, churnEverySeconds: CHURN_EVERY_S, interval: INTERVAL },
      windowSeconds: Math.round(windowS),
      cpuPercentOfOneCore: Number((((last.cpuSeconds - first.cpuSeconds) / windowS) * 100).toFixed(2)),
      // growth, the "resident memory flat (growth under 5 MB over the run)": the
      // median VmRSS of the window's last minute minus that of its first minute (samples
      // every 10 s), so that one sample caught just before or after a garbage collection
      // does not decide it (it moved watch's RSS by 10-25 MB either way). The window starts
      // --warmup seconds after watch's ready line, i.e. after its first full snapshot (taken
      // at start); with --minutes above 5 it holds a scheduled one (at 5 minutes), whose
      // after-effects the last minute then carries. endMinusStart and growthFromReady are the
      // single-sample differences, from the window's start and from the ready line.
      rssKb: {
        ready: atReady.rssKb,
        start: first.rssKb,
        firstMinuteMedian: median(samples.filter((sample) => sample.at - first.at <= 60_000).map((sample) => sample.rssKb)),
        afterScheduledSnapshot: afterSnapshot?.rssKb ?? null,
        lastMinuteMedian: median(samples.filter((sample) => last.at - sample.at <= 60_000).map((sample) => sample.rssKb)),
        end: last.rssKb,
        min: Math.min(...samples.map((sample) => sample.rssKb)),
        max: Math.max(...samples.map((sample) => sample.rssKb)),
        growth: growthKb,
        endMinusStart: last.rssKb - first.rssKb,
        growthFromReady: last.rssKb - atReady.rssKb,
      },
      // V8's share (bench/lib/memory-probe.cjs, at most 5 s old): heapUsed includes garbage not collected yet
      heapUsedKb: first.heapUsedKb === undefined ? null : { start: first.heapUsedKb, end: last.heapUsedKb, max: Math.max(...samples.map((sample) => sample.heapUsedKb ?? 0)) },
      heapTotalKb: first.heapTotalKb === undefined ? null : { start: first.heapTotalKb, end: last.heapTotalKb, max: Math.max(...samples.map((sample) => sample.heapTotalKb ?? 0)) },
      fullSnapshotsInWindow: last.snapshots !== null && first.snapshots !== null ? last.snapshots - first.snapshots : null,
      latencyMs: {
        trials: latencies.length,
        missed: latencies.length - finite.length,
        // a trial not reported with its owner within 10 s counts as the slowest (shown as "> 10000")
        p50: shown(percentile(latencies, 50)),
        p95: shown(percentile(latencies, 95)),
        max: shown(Math.max(...latencies)),
        within1500: latencies.filter((ms) => ms <= 1500).length,
      },
      targets: {
        cpu: (((last.cpuSeconds - first.cpuSeconds) / windowS) * 100 <= 2 ? 'met' : 'missed') + ' (<= 2% of one core)',
        memory: (growthKb < 5 * 1024 ? 'met' : 'missed') + ' (growth < 5 MB: 5120 kB)',
        latency: (latencies.filter((ms) => ms <= 1500).length >= Math.ceil(0.95 * latencies.length) ? 'met' : 'missed') + ' (95% within 1.5 s)',
      },
      events: counts,
      samples: samples.map((sample) => ({ t: Math.round((sample.at - first.at) / 1000), cpu: sample.cpuSeconds, rssKb: sample.rssKb, heapUsedKb: sample.heapUsedKb, heapTotalKb: sample.heapTotalKb, externalKb: sample.externalKb, snapshots: sample.snapshots })),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    if (watch !== null && watch.exitCode === null) {
      watch.kill('SIGTERM');
      await new Promise((resolve) => watch.once('exit', resolve));
    }
    for (const workload of workloads) await workload.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`watch-soak: ${error.stack ?? error}\n`);
  process.exit(1);
});
