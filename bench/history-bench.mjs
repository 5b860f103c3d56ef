#!/usr/bin/env node
/*
 * history-bench.mjs - `sockaudit history` on a database of 10,000 snapshots of one host.
 *
 * Usage (after `npm run build`):
 *   node bench/history-bench.mjs [--snapshots 10000] [--steady 100] [--runs 5] [--db FILE]
 *                                [--keep] [--write-results]
 *
 * How: writes the snapshots through the real store (dist/src/store/write-snapshot.js), from
 * synthetic inventories of a host with --steady listening and connected sockets that never
 * change, plus what makes a history worth asking for:
 * - sshd on tcp 0.0.0.0:22 and [::]:22, restarted (new pid) every 1,000 snapshots;
 * - an app on tcp 0.0.0.0:8080 that is up for 250 snapshots, down for 250 (20 periods);
 * - a unix listener /run/app.sock owned by nginx, up for 3,000 snapshots at a time;
 * - three short-lived client connections per snapshot (new ephemeral port each).
 * With --db FILE an existing benchmark database is reused (generation takes a while).
 * Then times `sockaudit history` for --port 22, --port 8080, --exe /usr/sbin/nginx,
 * --path /run/app.sock and --family tcp6 as whole processes (node start-up included),
 * --runs times each, and prints a markdown table (for bench/RESULTS.md) on stdout.
 * Target (issue 5): every history query answers in under 1 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatSeconds } from './lib/format.mjs';
import { describeMachine, machineInfo } from './lib/machine-info.mjs';
import { markdownTable } from './lib/markdown-table.mjs';
import { CLI_PATH, REPO_ROOT, RESULTS_PATH } from './lib/paths.mjs';
import { writeResultsSection } from './lib/results-file.mjs';
import { summarize } from './lib/stats.mjs';
import { timeCommand } from './lib/time-command.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1];
}
const SNAPSHOTS = Number(option('snapshots', '10000'));
const STEADY = Number(option('steady', '100'));
const RUNS = Number(option('runs', '5'));
const KEEP = process.argv.includes('--keep');
const WRITE_RESULTS = process.argv.includes('--write-results');
const TARGET_MS = 1000;
const HOST = 'bench-history';
const NETNS = 4026531840;

const log = (text) => process.stderr.write(`history-bench: ${text}\n`);

function owner(pid, comm, exe, uid = 0, user = 'root') {
  return { pid, fd: 3, comm, exe, cmdline: exe, uid, user };
}

function tcp(localAddress, localPort, state, inode, owners, remote = null) {
  const ipVersion = localAddress.includes(':') ? 6 : 4;
  const any = ipVersion === 6 ? '::' : '0.0.0.0';
  const exposure = localAddress === any ? 'wildcard' : localAddress.startsWith('127.') || localAddress === '::1' ? 'loopback' : 'specific';
  return {
    netns: NETNS,
    netnsName: 'host',
    family: 'tcp',
    ipVersion,
    type: null,
    protocol: null,
    state,
    localAddress,
    localPort,
    remoteAddress: remote?.[0] ?? any,
    remotePort: remote?.[1] ?? 0,
    path: null,
    interface: null,
    inode,
    uid: owners[0]?.uid ?? 0,
    recvQueue: 0,
    sendQueue: 0,
    owners,
    exposure,
  };
}

function unixListener(path, inode, owners) {
  return { ...tcp('0.0.0.0', 0, 'LISTEN', inode, owners), family: 'unix', ipVersion: null, type: 'stream', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path, exposure: null };
}

/** The host as snapshot n (0-based) sees it. */
function inventoryAt(n) {
  const sockets = [];
  for (let index = 0; index < STEADY; index++) {
    // half listeners on loopback, half long-lived connections to a database
    sockets.push(
      index % 2 === 0
        ? tcp('127.0.0.1', 10000 + index, 'LISTEN', 100000 + index, [owner(2000 + index, 'worker', '/usr/bin/worker', 1000, 'app')])
        : tcp('10.0.0.5', 40000 + index, 'ESTABLISHED', 100000 + index, [owner(2000 + index, 'worker', '/usr/bin/worker', 1000, 'app')], ['10.0.0.7', 5432]),
    );
  }
  const sshdRun = Math.floor(n / 1000);
  const sshd = [owner(500 + sshdRun, 'sshd', '/usr/sbin/sshd')];
  sockets.push(tcp('0.0.0.0', 22, 'LISTEN', 200000 + sshdRun * 2, sshd), tcp('::', 22, 'LISTEN', 200001 + sshdRun * 2, sshd));
  if (Math.floor(n / 250) % 2 === 0) {
    const run = Math.floor(n / 500);
    sockets.push(tcp('0.0.0.0', 8080, 'LISTEN', 300000 + run, [owner(3000 + run, 'app', '/opt/app/bin/app', 1000, 'app')]));
  }
  if (Math.floor(n / 3000) % 2 === 0) {
    const run = Math.floor(n / 3000);
    sockets.push(unixListener('/run/app.sock', 400000 + run, [owner(600 + run, 'nginx', '/usr/sbin/nginx')]));
  }
  for (let client = 0; client < 3; client++) {
    const port = 32768 + ((n * 3 + client) % 28000);
    sockets.push(tcp('10.0.0.5', port, 'ESTABLISHED', 1000000 + n * 3 + client, [owner(700, 'curl', '/usr/bin/curl', 1000, 'app')], ['93.184.216.34', 443]));
  }
  const takenAt = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
  return {
    meta: {
      host: HOST,
      takenAt,
      bootId: 'bench-boot',
      kernel: '6.1.0',
      procRoot: '/proc',
      toolVersion: 'bench',
      durationMs: 1,
      namespaces: [{ inode: NETNS, name: 'host', readerPid: 1, readable: true }],
      ephemeralPorts: [32768, 60999],
    },
    sockets,
    warnings: [],
  };
}

async function generate(db) {
  const { openStore } = await import(path.join(REPO_ROOT, 'dist/src/store/open-store.js'));
  const { writeSnapshot } = await import(path.join(REPO_ROOT, 'dist/src/store/write-snapshot.js'));
  const store = await openStore({ db, env: process.env });
  const started = performance.now();
  try {
    for (let n = 0; n < SNAPSHOTS; n++) {
      await writeSnapshot(store, inventoryAt(n), { host: HOST });
      if ((n + 1) % 1000 === 0) log(`${n + 1} snapshots written (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await store.close();
  }
  return performance.now() - started;
}

const QUERIES = [
  ['--port', '22'],
  ['--port', '8080'],
  ['--exe', '/usr/sbin/nginx'],
  ['--path', '/run/app.sock'],
  ['--family', 'tcp6'],
];

async function main() {
  if (!fs.existsSync(CLI_PATH)) throw new Error(`no ${CLI_PATH}: run npm run build first`);
  const machine = machineInfo();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'history-bench-'));
  const given = option('db', null);
  const db = given ?? path.join(dir, 'history.db');
  let generationMs = null;
  if (given === null || !fs.existsSync(given)) {
    log(`writing ${SNAPSHOTS} snapshots of ${STEADY + 6} sockets to ${db}`);
    generationMs = await generate(db);
  }
  const sizeMb = (fs.statSync(db).size + (fs.existsSync(`${db}-wal`) ? fs.statSync(`${db}-wal`).size : 0)) / 1e6;
  const rows = [];
  let missed = false;
  for (const query of QUERIES) {
    const argv = [CLI_PATH, 'history', '--db', db, '--host', HOST, ...query, '--json'];
    const out = path.join(dir, 'out.json');
    const times = [];
    for (let run = 0; run < RUNS; run++) {
      const result = await timeCommand(argv, { useGnuTime: false, stdout: out });
      if (result.exitCode !== 0) throw new Error(`history ${query.join(' ')} exited ${result.exitCode}: ${result.stderrTail}`);
      times.push(result.wallMs);
    }
    const periods = JSON.parse(fs.readFileSync(out, 'utf8')).periods;
    const stats = summarize(times);
    if (stats.median >= TARGET_MS) missed = true;
    rows.push([`history ${query.join(' ')}`, String(periods.length), formatSeconds(stats.median), formatSeconds(stats.max), stats.median < TARGET_MS ? 'yes' : '**no**']);
    log(`history ${query.join(' ')}: ${periods.length} periods, median ${formatSeconds(stats.median)}`);
  }
  const body = [
    `## history (issue 5): \`sockaudit history\` over ${SNAPSHOTS.toLocaleString('en-US')} snapshots`,
    '',
    describeMachine(machine),
    `- database: ${SNAPSHOTS} snapshots of one host, ${STEADY + 6} sockets each (${STEADY} steady, sshd restarted every 1,000, an app up and down every 250, 3 new client connections per snapshot); ${sizeMb.toFixed(1)} MB${generationMs === null ? ' (reused)' : `, written in ${formatSeconds(generationMs)}`}`,
    `- each query run ${RUNS} times as a whole process (\`dist/bin/sockaudit.cjs history ... --json\`, node start-up included); target: under 1 s`,
    '',
    markdownTable(['query', 'periods', 'median', 'max', 'under 1 s'], rows, ['left', 'right', 'right', 'right', 'left']),
  ].join('\n');
  process.stdout.write(`${body}\n`);
  if (WRITE_RESULTS) writeResultsSection(RESULTS_PATH, 'history', body);
  if (!KEEP && given === null) fs.rmSync(dir, { recursive: true, force: true });
  else log(`kept ${db}`);
  return missed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 2;
  },
);
