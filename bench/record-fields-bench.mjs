#!/usr/bin/env node
/**
 * Micro-benchmark of the paths the field table (src/model/record-fields.ts) drives, per record,
 * at 50,000 sockets: the parsers' record factory, the stored content's encoder and decoder, the
 * identity key and the diff's untouched check. It times two compiled trees (tsc output) in
 * alternating child processes, so that each runs with its own hidden classes; each step runs five
 * times per process and keeps its fastest. It prints the median over processes of each step
 * with the ratio of the second tree to the first.
 *
 *   mkdir -p dist/old && git archive main src migrations tsconfig.json | tar -x -C dist/old
 *   ln -s ../../node_modules dist/old/node_modules && (cd dist/old && npx tsc -p tsconfig.json)
 *   npx tsc -p tsconfig.json
 *   node bench/record-fields-bench.mjs --before dist/old/dist --after dist [--rounds 9] [--sockets 50000]
 *
 * Not part of `npm run bench`: it compares two builds, which the lead's benchmarks do not.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args[at + 1];
};

if (args[0] === '--worker') {
  await worker(path.resolve(args[1]), Number(args[2]));
} else {
  const before = option('--before');
  const after = option('--after', 'dist');
  const rounds = Number(option('--rounds', '9'));
  const sockets = Number(option('--sockets', '50000'));
  if (before === undefined) {
    console.error('usage: node bench/record-fields-bench.mjs --before DIST --after DIST [--rounds N] [--sockets N]');
    process.exit(2);
  }
  const self = fileURLToPath(import.meta.url);
  const times = { before: [], after: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const [side, dir] of round % 2 === 0 ? [['before', before], ['after', after]] : [['after', after], ['before', before]]) {
      const run = spawnSync(process.execPath, [self, '--worker', dir, String(sockets)], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${side}: ${run.stderr}`);
      times[side].push(JSON.parse(run.stdout));
    }
  }
  const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`${sockets} sockets, median of ${rounds} runs per tree (ms)`);
  console.log(['step'.padEnd(34), 'before'.padStart(8), 'after'.padStart(8), 'after/before'.padStart(13)].join(''));
  for (const step of Object.keys(times.before[0])) {
    const b = median(times.before.map((t) => t[step]));
    const a = median(times.after.map((t) => t[step]));
    console.log([step.padEnd(34), b.toFixed(1).padStart(8), a.toFixed(1).padStart(8), (a / b).toFixed(2).padStart(13)].join(''));
  }
}

async function worker(dist, count) {
  const load = (file) => import(pathToFileURL(path.join(dist, 'src', file)).href);
  await load('model/record-shapes.js'); // the exemplars first, as collect.ts has them
  const { parseInetTable } = await load('proc/parse-inet-table.js');
  const { parseUnixTable } = await load('proc/parse-unix-table.js');
  const { parseInetDiagRecords } = await load('proc/parse-inet-diag.js');
  const { contentFields, decodeVersionContent } = await load('store/version-record.js');
  const { socketKey } = await load('inventory/socket-key.js');
  const { diffInventories } = await load('diff/diff-inventories.js');

  const hex = (n, width) => n.toString(16).toUpperCase().padStart(width, '0');
  let tcp = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  for (let i = 0; i < count; i += 1) {
    tcp += `${String(i).padStart(4)}: 0100007F:${hex(1024 + (i % 60000), 4)} 0100007F:${hex(30000 + (i % 30000), 4)} 01 00000000:00000000 00:00000000 00000000  1000        0 ${100000 + i} 1 0000000000000000 20 4 30 10 -1\n`;
  }
  let unix = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
  for (let i = 0; i < count; i += 1) unix += `0000000000000000: 00000003 00000000 00000000 0001 03 ${200000 + i}${i % 3 === 0 ? ` /run/app-${i}.sock` : ''}\n`;
  const diag = new Uint8Array(72 * count);
  const view = new DataView(diag.buffer);
  for (let i = 0; i < count; i += 1) {
    const at = 72 * i;
    diag[at] = 2;
    diag[at + 1] = i % 10 === 0 ? 10 : 1;
    view.setUint16(at + 4, 1024 + (i % 60000));
    view.setUint16(at + 6, i % 10 === 0 ? 0 : 40000);
    view.setUint32(at + 8, 0x7f000001);
    if (i % 10 !== 0) view.setUint32(at + 24, 0x7f000001);
    view.setUint32(at + 68, 300000 + i, true);
  }

  const timings = {};
  // each step five times, the fastest kept: the machine is shared, and a collection may land in any run
  const time = (step, run) => {
    let result;
    for (let repeat = 0; repeat < 5; repeat += 1) {
      const start = process.hrtime.bigint();
      result = run();
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      timings[step] = Math.min(timings[step] ?? Infinity, ms);
    }
    return result;
  };
  // warm each path once on a tenth, then time the whole
  parseInetTable(tcp.slice(0, tcp.length / 10), { family: 'tcp', ipVersion: 4 });
  const inet = time('parseInetTable (tcp text)', () => parseInetTable(tcp, { family: 'tcp', ipVersion: 4 }).rows);
  const unixRows = time('parseUnixTable', () => parseUnixTable(unix).rows);
  const diagRows = time('parseInetDiagRecords (sock_diag)', () => parseInetDiagRecords(diag, { family: 'tcp', ipVersion: 4 }));
  const records = [...inet, ...unixRows, ...diagRows].slice(0, count);
  records.forEach((record, i) => {
    record.netns = 4026531840;
    record.netnsName = 'host';
    record.exposure = record.family === 'unix' ? null : 'loopback';
    if (i % 7 === 0 && record.family === 'tcp') {
      record.v6only = false;
      record.v6onlySource = 'socket';
    }
  });
  const contents = time('contentFields + stringify', () => records.map((record) => JSON.stringify(contentFields(record))));
  const decoded = time('decodeVersionContent', () => contents.map((content) => decodeVersionContent(content, [])));
  time('socketKey', () => decoded.map(socketKey));
  const inventory = (sockets) => ({
    meta: { host: 'h', takenAt: '', bootId: null, kernel: null, procRoot: '/proc', toolVersion: '', durationMs: 0, namespaces: [{ inode: 4026531840, name: 'host', readerPid: 1, readable: true }], ephemeralPorts: [32768, 60999] },
    sockets,
    warnings: [],
  });
  time('diffInventories (all untouched)', () => diffInventories(inventory(records), inventory(decoded.map((record, i) => ({ ...record, owners: records[i].owners }))), { sockets: true }));
  process.stdout.write(JSON.stringify(timings));
}
