import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import type { FdLinkScan } from '../model/fd-link-scan.js';
import { nativeAddon, type NativeAddon } from '../native/native-addon.js';
import { parseSocketLink } from './parse-process-files.js';

/**
 * A scan of fd links under way. The scan is the collector's hottest path (one readlink
 * per open fd on the host: 50,000 and more on a busy one), so it runs on other threads
 * while the caller reads the socket tables: the C addon's, or else a worker thread's, in
 * which case `help()` lets the caller take a share of what is left. `result()` gathers
 * every share.
 */
export interface FdLinkScanJob {
  help(): void;
  result(): Promise<FdLinkScan>;
  /** the pids being scanned, when the job listed them itself (the bin's head start). */
  pids?: readonly number[];
}

type FsForScan = Pick<typeof fs, 'readdirSync' | 'readlinkSync'>;

/**
 * The scan itself: takes pids off a shared counter (so that two threads can share one
 * list), reads /proc/PID/fd and each link, and keeps `socket:[N]` targets. Self-contained
 * (fs, the link parser and the counter are arguments) because it is also shipped as
 * source text to the worker thread.
 */
export function scanFdLinksFromQueue(
  fsApi: FsForScan,
  parseLink: (target: string) => number,
  prefix: string,
  pids: readonly number[],
  nextIndex: Int32Array,
): FdLinkScan {
  let capacity = 1024;
  let pidOut = new Int32Array(capacity);
  let fdOut = new Int32Array(capacity);
  let inodeOut = new Float64Array(capacity);
  let count = 0;
  const failures: { pid: number; code: string }[] = [];
  let claimed = 0;
  for (let index = Atomics.add(nextIndex, 0, 1); index < pids.length; index = Atomics.add(nextIndex, 0, 1)) {
    claimed++;
    const pid = pids[index]!;
    const dir = `${prefix}${pid}/fd/`;
    let names: string[];
    try {
      names = fsApi.readdirSync(dir) as string[];
    } catch (error) {
      failures.push({ pid, code: String((error as { code?: unknown }).code ?? error) });
      continue;
    }
    for (const name of names) {
      let target: string;
      try {
        target = fsApi.readlinkSync(dir + name) as string;
      } catch (error) {
        const code = String((error as { code?: unknown }).code ?? error);
        if (code === 'ENOENT') continue; // closed between readdir and readlink: holds nothing now
        failures.push({ pid, code }); // EACCES: no fd of this process is readable
        break;
      }
      const inode = parseLink(target);
      if (inode < 0) continue;
      if (count === capacity) {
        capacity *= 2;
        const grownPids = new Int32Array(capacity);
        const grownFds = new Int32Array(capacity);
        const grownInodes = new Float64Array(capacity);
        grownPids.set(pidOut);
        grownFds.set(fdOut);
        grownInodes.set(inodeOut);
        pidOut = grownPids;
        fdOut = grownFds;
        inodeOut = grownInodes;
      }
      pidOut[count] = pid;
      fdOut[count] = Number(name);
      inodeOut[count] = inode;
      count++;
    }
  }
  return { pids: pidOut.slice(0, count), fds: fdOut.slice(0, count), inodes: inodeOut.slice(0, count), failures, claimed };
}

function mergeScans(scans: FdLinkScan[]): FdLinkScan {
  const total = scans.reduce((sum, scan) => sum + scan.inodes.length, 0);
  const merged: FdLinkScan = { pids: new Int32Array(total), fds: new Int32Array(total), inodes: new Float64Array(total), failures: [], claimed: 0 };
  let offset = 0;
  for (const scan of scans) {
    merged.pids.set(scan.pids, offset);
    merged.fds.set(scan.fds, offset);
    merged.inodes.set(scan.inodes, offset);
    merged.failures.push(...scan.failures);
    merged.claimed += scan.claimed;
    offset += scan.inodes.length;
  }
  return merged;
}

/**
 * Below this many sockets on the host a worker thread (for the JavaScript scan) costs more
 * than it saves: starting one takes some 30 ms; reading 2,000 fd links takes about 8.
 */
const WORKER_MIN_SOCKETS = 2000;

/**
 * Sockets per thread of the C scan (about 75 ms of readlink each), and the most threads
 * it uses. The JavaScript thread meanwhile reads and parses the socket tables, which
 * takes about as long as scanning 25,000 fds: one scan thread below 37,500 sockets keeps
 * both busy on two cores; more would only take turns with it.
 */
const NATIVE_SOCKETS_PER_THREAD = 25_000;
const NATIVE_MAX_THREADS = 4;

/** Threads for the C scan of a host with about `socketCountHint` sockets (0: unknown, one thread). */
export function planScanThreads(socketCountHint: number): number {
  return Math.max(1, Math.min(Math.round(socketCountHint / NATIVE_SOCKETS_PER_THREAD), NATIVE_MAX_THREADS, os.availableParallelism()));
}

const WORKER_SOURCE = `
  const { parentPort, workerData } = require('node:worker_threads');
  const fs = require('node:fs');
  const parseLink = ${parseSocketLink.toString()};
  const scan = ${scanFdLinksFromQueue.toString()};
  const result = scan(fs, parseLink, workerData.prefix, workerData.pids, new Int32Array(workerData.counter));
  parentPort.postMessage(result, [result.pids.buffer, result.fds.buffer, result.inodes.buffer]);
`;

/**
 * Starts scanning the fd links of `pids` under `prefix` (a proc root ending in '/'), with
 * the C scanner when there is one (pass null to use the JavaScript scan). `socketCountHint`
 * (from net/sockstat; 0 when unknown) decides whether a second thread is worth starting.
 */
export function startFdLinkScan(
  prefix: string,
  pids: readonly number[],
  socketCountHint: number,
  native: Pick<NativeAddon, 'scanSocketFds'> | null = nativeAddon,
): FdLinkScanJob {
  if (native !== null) {
    const scan = native.scanSocketFds(prefix, Int32Array.from(pids), planScanThreads(socketCountHint));
    return { help: () => {}, result: () => scan };
  }
  const counter = new SharedArrayBuffer(4);
  const nextIndex = new Int32Array(counter);
  const shares: FdLinkScan[] = [];
  const helpSync = () => void shares.push(scanFdLinksFromQueue(fs, parseSocketLink, prefix, pids, nextIndex));
  if (socketCountHint < WORKER_MIN_SOCKETS) return { help: helpSync, result: async () => mergeScans(shares) };

  // loaded here, on the JavaScript path alone: imported at the top, node:worker_threads was
  // 2.5 ms of every run's start-up, with the addon or without
  const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { prefix, pids, counter } });
  worker.unref();
  const workerShare = new Promise<FdLinkScan>((resolve, reject) => {
    worker.once('message', (share: FdLinkScan) => resolve(share));
    worker.once('error', reject);
  });
  return {
    help: helpSync,
    result: async () => {
      // Every index below pids.length went to exactly one thread (Atomics.add). If this
      // thread took them all, the worker is still starting and holds nothing: don't wait.
      const mine = mergeScans(shares);
      if (mine.claimed >= pids.length) {
        void worker.terminate();
        return mine;
      }
      const share = await workerShare;
      void worker.terminate();
      return mergeScans([share, mine]);
    },
  };
}
