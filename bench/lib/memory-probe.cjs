/*
 * memory-probe.cjs - preloaded into `sockaudit watch` by bench/watch-soak.mjs
 * (`node FLAGS --require bench/lib/memory-probe.cjs dist/bin/sockaudit.cjs watch ...`) to
 * tell what /proc/PID/status cannot: V8's share of resident memory. Bench-only; nothing
 * of it is in the shipped bin.
 *
 * When fd 3 is a pipe or socket (the bench opens one), every WATCH_SOAK_PROBE_MS (default
 * 5000) it writes one JSON line there: the time and process.memoryUsage() (rss, heapTotal,
 * heapUsed, external, arrayBuffers; bytes). With WATCH_SOAK_HEAP_DIR set, SIGUSR2 writes a
 * V8 heap snapshot into that directory (v8.writeHeapSnapshot; for investigation only: it
 * takes seconds and tens of MB of its own) and a line naming the file.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');

const every = Number(process.env.WATCH_SOAK_PROBE_MS ?? 5000);
let out = null;
try {
  const status = fs.fstatSync(3); // node's 'pipe' stdio is a socketpair
  out = status.isFIFO() || status.isSocket() ? 3 : null;
} catch {
  out = null;
}
if (out !== null) {
  const sample = () => {
    const usage = process.memoryUsage();
    try {
      fs.writeSync(out, `${JSON.stringify({ at: Date.now(), ...usage })}\n`);
    } catch {
      clearInterval(timer); // the bench went away
    }
  };
  const timer = setInterval(sample, every);
  timer.unref();
  sample();
}
const heapDir = process.env.WATCH_SOAK_HEAP_DIR;
if (heapDir !== undefined && heapDir !== '') {
  let count = 0;
  process.on('SIGUSR2', () => {
    count++;
    const file = path.join(heapDir, `watch-${process.pid}-${count}.heapsnapshot`);
    v8.writeHeapSnapshot(file);
    if (out !== null) fs.writeSync(out, `${JSON.stringify({ at: Date.now(), heapSnapshot: file })}\n`);
  });
}
