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
 * database of its own. After --warmup seconds, its utime+stime (/proc/PID/stat fields 14
 * and 15) and VmRSS (/proc/PID/status) are sampled every 10 s. Meanwhile, --trials times at
 * a random point of the poll cycle, this script opens a loopback listener and measures the
 * time until watch prints its `opened` event with this process as owner (the latency a
 * reviewer sees), then closes it.
 * Prints a summary (JSON on stdout, progress on stderr): CPU % of one core over the
 * measured window, RSS at start and end of it and the growth, latency p50/p95/max.
 * Targets (issue 16): CPU <= 2% of one core over 5 minutes at 10k sockets / 100 processes;
 * RSS growth < 5 MB; a new listener reported with owner within 1.5 s in 95% of 50 trials.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSockload } from './lib/sockload.mjs';

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
const TICKS = 100; // USER_HZ: /proc/PID/stat counts in 1/100 s on Linux

const log = (text) => process.stderr.write(`watch-soak: ${new Date().toISOString()} ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function readUsage(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime (fields 14, 15)
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return { at: Date.now(), cpuSeconds, rssKb };
}

const shown = (ms) => (Number.isFinite(ms) ? ms : '> 10000');

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

    watch = spawn(process.execPath, [CLI, 'watch', '--json', '--interval', INTERVAL, '--db', path.join(dir, 'soak.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    watch.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-8192)));
    const waiting = new Map(); // port -> resolve
    const counts = { opened: 0, closed: 0, 'short-lived': 0, lost: 0, violation: 0 };
    readline.createInterface({ input: watch.stdout }).on('line', (text) => {
      const event = JSON.parse(text);
      counts[event.event] = (counts[event.event] ?? 0) + 1;
      if (event.event === 'opened' && event.socket?.owners?.some((owner) => owner.pid === process.pid)) waiting.get(event.socket.localPort)?.(Date.now());
    });
    while (!stderr.includes('sockaudit: watching')) {
      if (watch.exitCode !== null) throw new Error(`watch exited: ${stderr}`);
      await sleep(100);
    }
    log(`watch ready (pid ${watch.pid}); warming up ${WARMUP_S} s`);

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
    const samples = [readUsage(watch.pid)];
    const sampler = setInterval(() => samples.push(readUsage(watch.pid)), 10_000);

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
    samples.push(readUsage(watch.pid));
    stopChurn = true;
    await churning;

    const first = samples[0];
    const last = samples.at(-1);
    const windowS = (last.at - first.at) / 1000;
    const finite = latencies.filter(Number.isFinite);
    const summary = {
      machine: { cpus: os.cpus().length, load: os.loadavg(), note: 'shared machine: figures are indicative' },
      workload: { total: TOTAL, procs: PROCS, churn: CHURN, churnEverySeconds: CHURN_EVERY_S, interval: INTERVAL },
      windowSeconds: Math.round(windowS),
      cpuPercentOfOneCore: Number((((last.cpuSeconds - first.cpuSeconds) / windowS) * 100).toFixed(2)),
      rssKb: { start: first.rssKb, end: last.rssKb, max: Math.max(...samples.map((sample) => sample.rssKb)), growth: last.rssKb - first.rssKb },
      latencyMs: {
        trials: latencies.length,
        missed: latencies.length - finite.length,
        // a trial not reported with its owner within 10 s counts as the slowest (shown as "> 10000")
        p50: shown(percentile(latencies, 50)),
        p95: shown(percentile(latencies, 95)),
        max: shown(Math.max(...latencies)),
        within1500: latencies.filter((ms) => ms <= 1500).length,
      },
      events: counts,
      samples: samples.map((sample) => ({ t: Math.round((sample.at - first.at) / 1000), cpu: sample.cpuSeconds, rssKb: sample.rssKb })),
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
