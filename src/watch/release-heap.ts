import v8 from 'node:v8';
import vm from 'node:vm';
import { trimMalloc } from '../native/trim-malloc.js';

/**
 * `watch`'s memory tricks, in one place, with their measured reasons. The first two run full
 * garbage collections at moments watch chooses, because V8's own timing let resident
 * memory climb by tens of MB over a run (bench/watch-soak.mjs: 10,000 sockets over 100
 * processes, 2% replaced every 10 s; --trace-gc and process.memoryUsage() per 10 s):
 *
 * 1. After each full snapshot, a compacting collection (releaseSnapshotHeap). A snapshot
 *    allocates ~100 MB of short-lived objects within a second (the inventory, its rows,
 *    its digests) among the few that outlive it (the owner cache). V8 grew the heap to
 *    130-160 MB for it and kept it (25 MB live); an ordinary full collection still left
 *    65-72 MB committed (pages each holding a few survivors are not compacted), and only
 *    V8's memory reducer, tens of seconds later if at all, gave the rest back. With
 *    compaction forced for that one collection: 111 -> 35 MB committed in watch (--trace-gc),
 *    80-90 ms on the loaded 2-core machine, once per --snapshot-every.
 * 2. Every HEAP_COLLECT_EVERY_MS, an ordinary full collection (collectHeap). Sockets that
 *    live a few seconds (the churn) outlive the young generation and die old: ~0.23 MB/s
 *    of old-generation garbage at that workload, left to pile up by V8 (the bin's
 *    --initial-heap-size=128 suits one-shot commands): heapTotal 28 -> 53 MB and VmRSS
 *    125 -> 145 MB within 40 s of the memory reducer's last shrink. Collected every 30 s,
 *    that garbage stays under ~7 MB and reuses the same pages (heapTotal 48-49 MB over a
 *    6-minute soak); each collection marks the ~25 MB live: 30 ms (160 ms on the loaded
 *    machine), 0.1-0.5% of a core.
 * 3. After either, malloc_trim (native/malloc-trim.c). The C heap (SQLite's page cache,
 *    the addon's dump and scan buffers on its threads, ArrayBuffers the collection just
 *    freed) held 26-28 MB in the main arena and 12-23 MB in glibc's per-thread arenas,
 *    the latter rising over the first minute; a malloc_trim(0) into a running watch (gdb)
 *    gave back 6 MB of it at once (VmRSS 154 -> 148 MB). A few ms.
 *
 * `gc` is not exposed without --expose-gc; the flag set at run time exposes it to new
 * contexts only, hence the one-off context. Nothing else in sockaudit calls these: a
 * one-shot command exits instead.
 */
export const HEAP_COLLECT_EVERY_MS = 30_000;

let collect: (() => void) | undefined;

function fullCollection(): () => void {
  if (collect === undefined) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  return collect;
}

/** A full, compacting collection: for right after a full snapshot, once its inventory is out of scope. */
export function releaseSnapshotHeap(): void {
  const gc = fullCollection();
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
  trimMalloc();
}

/** An ordinary full collection: for every HEAP_COLLECT_EVERY_MS of polling. */
export function collectHeap(): void {
  fullCollection()();
  trimMalloc();
}
