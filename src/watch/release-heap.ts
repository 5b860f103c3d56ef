import v8 from 'node:v8';
import vm from 'node:vm';
import { trimMalloc } from '../native/trim-malloc.js';

/**
 * `watch`'s two memory tricks, in one place, with their measured reasons. Both run full
 * garbage collections at moments watch chooses, because V8's own timing let resident
 * memory climb by tens of MB over a run (bench/watch-soak.mjs: 10,000 sockets over 100
 * processes, 2% replaced every 10 s; --trace-gc and process.memoryUsage() per 10 s):
 *
 * 1. After each full snapshot, a compacting collection (releaseSnapshotHeap). A snapshot
 *    allocates ~100 MB of short-lived objects within a second (the inventory, its rows,
 *    its digests) among the few that outlive it (the owner cache). V8 grew the heap to
 *    ~140 MB for it and kept it: an ordinary full collection left 65-72 MB committed for
 *    25 MB live (pages each holding a few survivors are not compacted), and only V8's
 *    memory reducer, tens of seconds later if at all, gave it back. With compaction forced
 *    for that one collection: 128 -> 25 MB committed, RSS 176 -> 72 MB, ~60 ms, once per
 *    --snapshot-every.
 * 2. Every HEAP_COLLECT_EVERY_MS, an ordinary full collection (collectHeap). Sockets that
 *    live a few seconds (the churn) outlive the young generation and die old: ~0.23 MB/s
 *    of old-generation garbage at that workload, which V8 left to pile up until its
 *    old-generation limit (128 MB from the start: the bin's --initial-heap-size=128, which
 *    suits one-shot commands); resident memory rose ~20 MB a minute between snapshots.
 *    Collected every 30 s, it stays under ~7 MB and reuses the same pages; each
 *    collection marks the ~25 MB live: ~10-30 ms, 0.1% of a core at most.
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
