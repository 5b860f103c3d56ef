import type { FdLinkScan } from '../model/fd-link-scan.js';
import { planScanThreads, type FdLinkScanJob } from '../proc/fd-links.js';
import { nativeAddon, type NativeAddon } from '../native/native-addon.js';
import { createProcFs, isLiveProcRoot } from '../proc/proc-fs.js';
import { listPids, readSocketsInUse } from './scan-processes.js';

/**
 * The fd scan of the live /proc, started by the bin (cli.ts) before Node has loaded the
 * rest of the program, and taken over by the collector (collectInventory).
 *
 * Why: the scan (one readlink per open fd on the host) is the longest part of a
 * collection, and it runs on threads of its own; start-up (loading commander and the
 * collector, about 15 ms) runs on one core while the other is idle. Started first, the
 * scan finishes that much sooner: 10 ms of a 0.31 s collection at 50,000 sockets.
 *
 * The hand-off is this module's one slot: cli.ts fills it, the collector empties it, and
 * nothing in between (program, commands) knows of it. It is only ever an optimisation: the
 * collector takes the scan over only when it collects the live /proc, and only once (a
 * second collection in the same run scans afresh); otherwise it starts its own. The
 * collector takes the scan's pid list too, rather than list /proc again: the processes it
 * groups into namespaces are the ones scanned, and the listing, made while the scan's
 * threads read /proc, was 4 ms at 50,000 sockets. A process started after the list was
 * read is in neither (its sockets, if the tables list them, have no owner in this
 * inventory; a namespace only it is in is not read; the next run sees both).
 */
let waiting: FdLinkScanJob | null = null;

/**
 * Starts scanning the live /proc with the C scanner and leaves the scan for
 * takeFdScanHeadStart; false without the C scanner (the JavaScript scan needs the
 * JavaScript thread's help, so there is nothing to gain) or when /proc cannot be read.
 * The caller decides when it is worth it (the bin: for collect and snapshot of the live
 * /proc, see cli-head-start.ts).
 */
export function startFdScanHeadStart(native: Pick<NativeAddon, 'scanSocketFds'> | null = nativeAddon): boolean {
  if (native === null) return false;
  const proc = createProcFs('/proc');
  let scan: Promise<FdLinkScan>;
  let pids: number[];
  try {
    pids = listPids(proc);
    scan = native.scanSocketFds('/proc/', Int32Array.from(pids), planScanThreads(readSocketsInUse(proc)));
  } catch {
    return false; // /proc unreadable: the collector will say so in its own words
  }
  // a run that ends before taking the scan over (a usage error) must not die of its rejection
  scan.catch(() => {});
  waiting = { help: () => {}, result: () => scan, pids };
  return true;
}

/**
 * The scan started ahead, for a collection of `procRoot`: taken (the slot is emptied) when
 * that is the live /proc, else null and left waiting; null when none was started.
 */
export function takeFdScanHeadStart(procRoot: string): FdLinkScanJob | null {
  if (waiting === null || !isLiveProcRoot(procRoot)) return null;
  const job = waiting;
  waiting = null;
  return job;
}
