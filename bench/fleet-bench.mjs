#!/usr/bin/env node
/*
 * fleet-bench.mjs - the fleet figures of issue 12 (Performance), against a local PostgreSQL
 * (started here in a temporary directory unless --pg names a server's database):
 *
 *   1. an unchanged 10k-socket snapshot written into PostgreSQL, as a ratio to the same
 *      snapshot written into SQLite (target <= 2); the store write in this process (the
 *      collection is the same for both and left out, so the ratio is of the stores alone);
 *   2. `sockaudit push` of 100 snapshots of a 10k-socket host with 1% churn each (<= 3 s);
 *   3. a fleet of 200 hosts x 50 snapshots x 2,000 sockets (the same listeners on every host,
 *      connections of their own, 1% churn per snapshot), generated through the store API:
 *      `listening --all-hosts --port 443` and `diff --host A --to-host B` (each <= 0.5 s) and
 *      `hosts` (<= 0.3 s), whole CLI processes (node start-up included), median of --reps.
 *
 * Usage (after `npm run build`):  npm run bench -- fleet [--pg URL] [--figures 1,2,3]
 *   [--hosts 200] [--snapshots 50] [--sockets 2000] [--reps 5]
 * Generating the full fleet writes 10,000 snapshots (minutes). Exit 0 when every target is
 * met, 1 when one is missed, 2 on an error.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CLI_PATH, REPO_ROOT } from './lib/paths.mjs';
import { startPostgres } from './lib/postgres.mjs';
import { median } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: {
    pg: { type: 'string' },
    figures: { type: 'string', default: '1,2,3' },
    hosts: { type: 'string', default: '200' },
    snapshots: { type: 'string', default: '50' },
    sockets: { type: 'string', default: '2000' },
    reps: { type: 'string', default: '5' },
    help: { type: 'boolean' },
  },
});
if (args.help) {
  process.stdout.write('usage: node bench/fleet-bench.mjs [--pg URL] [--figures 1,2,3] [--hosts 200] [--snapshots 50] [--sockets 2000] [--reps 5]\n');
  process.exit(0);
}
const figures = new Set(args.figures.split(','));
const reps = Number(args.reps);
const log = (text) => process.stderr.write(`fleet-bench: ${text}\n`);
const dist = (file) => import(path.join(REPO_ROOT, 'dist/src', file));
const { openStore } = await dist('store/open-store.js');
const { writeSnapshot } = await dist('store/write-snapshot.js');
const { pushSnapshots } = await dist('store/push-snapshots.js');

/** A socket record as the collector makes one. */
function socket(fields) {
  return {
    netns: 4026531840, netnsName: 'host', family: 'tcp', ipVersion: 4, type: null, protocol: null, state: 'LISTEN',
    localAddress: '0.0.0.0', localPort: 22, remoteAddress: '0.0.0.0', remotePort: 0, path: null, interface: null,
    inode: 1000, uid: 0, recvQueue: 0, sendQueue: 0, owners: [], exposure: 'wildcard', v6only: null, v6onlySource: null,
    ...fields,
  };
}
const owner = (pid, exe) => ({ pid, fd: 3 + (pid % 50), comm: path.basename(exe), exe, cmdline: exe, uid: 33, user: 'www-data' });
const LISTENERS = [[22, '/usr/sbin/sshd'], [80, '/usr/sbin/nginx'], [443, '/usr/sbin/nginx'], [9100, '/usr/bin/node_exporter'], [5432, '/usr/lib/postgresql/15/bin/postgres']];

/** `count` sockets of host number `hostIndex` at snapshot `step`: common listeners, own connections, `churn` of them replaced per step. */
function inventory(host, hostIndex, count, step, churn) {
  const sockets = LISTENERS.map(([port, exe], index) => socket({ inode: 100 + index, localPort: port, owners: [owner(500 + index, exe)] }));
  for (let index = sockets.length; index < count; index++) {
    const generation = index < churn * (count - LISTENERS.length) ? step : 0;
    sockets.push(socket({
      state: 'ESTABLISHED', localAddress: `10.0.${hostIndex % 256}.1`, localPort: 443, remoteAddress: `10.9.${(index >> 8) & 255}.${index & 255}`,
      remotePort: 20000 + ((index + generation * 7919) % 40000), inode: 100_000 + index + generation * 1_000_000, exposure: 'specific', owners: [owner(501, '/usr/sbin/nginx')],
    }));
  }
  const takenAt = new Date(Date.UTC(2026, 10, 1) + step * 300_000).toISOString();
  return {
    meta: { host, takenAt, bootId: `boot-${hostIndex}`, kernel: '6.1.0', procRoot: '/proc', toolVersion: '0.1.0', durationMs: 12.5, namespaces: [{ inode: 4026531840, name: 'host', readerPid: 1, readable: true }], ephemeralPorts: [32768, 60999] },
    sockets,
    warnings: [],
  };
}

function timeCli(argv) {
  const times = [];
  for (let rep = 0; rep < reps; rep++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [CLI_PATH, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0 && result.status !== 1) throw new Error(`sockaudit ${argv.join(' ')}: exit ${result.status}: ${result.stderr}`);
    times.push(ms);
  }
  return median(times);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockaudit-fleet-bench-'));
const server = args.pg === undefined ? await startPostgres() : null;
const databaseUrl = (name) => {
  if (server !== null) {
    server.createDatabase(name);
    return server.url(name);
  }
  const url = new URL(args.pg);
  url.searchParams.set('options', `-c search_path=${name}`);
  spawnSync('psql', [args.pg, '-c', `create schema ${name}`], { stdio: 'ignore' });
  return url.toString();
};
const rows = [];
let missed = false;
const report = (figure, value, target, unit) => {
  const ok = value <= target;
  missed ||= !ok;
  rows.push(`| ${figure} | ${value.toFixed(unit === 'x' ? 2 : 3)}${unit === 'x' ? '' : ' s'} | <= ${target}${unit === 'x' ? '' : ' s'} | ${ok ? 'met' : 'MISSED'} |`);
};

try {
  if (figures.has('1')) {
    log('figure 1: unchanged 10k snapshot, PostgreSQL vs SQLite');
    const sqlite = await openStore({ db: path.join(dir, 'one.db'), env: {} });
    const pg = await openStore({ db: databaseUrl('fleet_one'), env: {} });
    const snap = inventory('bench-host', 1, 10_000, 0, 0);
    const perStore = async (store) => {
      await writeSnapshot(store, snap, { host: 'bench-host' });
      const times = [];
      for (let rep = 0; rep < Math.max(reps, 5); rep++) {
        const started = process.hrtime.bigint();
        await writeSnapshot(store, { ...snap, meta: { ...snap.meta, takenAt: new Date(Date.UTC(2026, 10, 2) + rep * 1000).toISOString() } }, { host: 'bench-host' });
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return median(times);
    };
    const sqliteMs = await perStore(sqlite);
    const pgMs = await perStore(pg);
    log(`SQLite ${sqliteMs.toFixed(1)} ms, PostgreSQL ${pgMs.toFixed(1)} ms`);
    report(`unchanged 10k snapshot into PostgreSQL / SQLite (${pgMs.toFixed(0)} ms / ${sqliteMs.toFixed(0)} ms)`, pgMs / sqliteMs, 2, 'x');
    await sqlite.close();
    await pg.close();
  }
  if (figures.has('2')) {
    log('figure 2: push of 100 snapshots of a 10k-socket host, 1% churn');
    const file = path.join(dir, 'edge.db');
    const local = await openStore({ db: file, env: {} });
    for (let step = 0; step < 100; step++) await writeSnapshot(local, inventory('edge-host', 2, 10_000, step, 0.01), { host: 'edge-host' });
    await local.close();
    const url = databaseUrl('fleet_push');
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [CLI_PATH, 'push', '--db', file, '--to', url, '--json'], { encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) throw new Error(`push failed: ${result.stderr}`);
    report('push of 100 snapshots, 10k sockets, 1% churn (whole CLI process)', seconds, 3, 's');
  }
  if (figures.has('3')) {
    const [hosts, snapshots, sockets] = [Number(args.hosts), Number(args.snapshots), Number(args.sockets)];
    log(`figure 3: generating ${hosts} hosts x ${snapshots} snapshots x ${sockets} sockets`);
    const url = databaseUrl('fleet_many');
    const store = await openStore({ db: url, env: {} });
    const started = Date.now();
    for (let host = 0; host < hosts; host++) {
      const name = `web-${String(host).padStart(3, '0')}`;
      for (let step = 0; step < snapshots; step++) await writeSnapshot(store, inventory(name, host, sockets, step, 0.01), { host: name });
      if (host % 20 === 19) log(`${host + 1} hosts written (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    await store.close();
    const listening = timeCli(['listening', '--all-hosts', '--port', '443', '--db', url]) / 1000;
    const diff = timeCli(['diff', '--host', 'web-000', '--to-host', `web-${String(hosts - 1).padStart(3, '0')}`, '--db', url]) / 1000;
    const hostsTime = timeCli(['hosts', '--db', url]) / 1000;
    report(`listening --all-hosts --port 443 (${hosts}x${snapshots}x${sockets})`, listening, 0.5, 's');
    report('diff --host A --to-host B', diff, 0.5, 's');
    report('hosts', hostsTime, 0.3, 's');
  }
  process.stdout.write(['| figure | measured | target | |', '|---|---|---|---|', ...rows].join('\n') + '\n');
  process.exitCode = missed ? 1 : 0;
} catch (error) {
  log(error instanceof Error ? error.stack : String(error));
  process.exitCode = 2;
} finally {
  server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
