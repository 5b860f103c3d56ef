import type { FdLinkScan } from '../model/fd-link-scan.js';
import { planScanThreads, type FdLinkScanJob } from '../proc/fd-links.js';
import { nativeAddon, type NativeAddon } from '../native/native-addon.js';
import { createProcFs, isLiveProcRoot } from '../proc/proc-fs.js';
import { listPids, readSocketsInUse } from './scan-processes.js';

/**
 * The fd scan of the live /proc, started by the bin before Node has loaded the rest of the
 * program, for `collect` and `snapshot` to take over.
 *
 * Why: the scan (one readlink per open fd on the host) is the longest part of a
 * collection, and it runs on threads of its own; start-up (loading commander and the
 * collector, about 15 ms) runs on one core while the other is idle. Started first, the
 * scan finishes that much sooner: 10 ms of a 0.31 s collection at 50,000 sockets.
 *
 * It is only ever an optimisation: the collector takes it over only when it collects the
 * live /proc (takeHeadStart), and otherwise starts its own scan. Its pid list is read a few
 * milliseconds before the collector's own: a process started in between is not scanned,
 * as one started after any scan is not (its sockets, if the tables list them, have no
 * owner in this inventory; the next run sees it).
 */
export interface FdScanHeadStart {
  /** the scan of /proc under way. */
  job: FdLinkScanJob;
}

/**
 * Starts scanning the live /proc with the C scanner; null without one (the JavaScript scan
 * needs the JavaScript thread's help, so there is nothing to gain). The caller decides
 * when it is worth it (the bin: for collect and snapshot on the live /proc).
 */
export function startFdScanHeadStart(native: Pick<NativeAddon, 'scanSocketFds'> | null = nativeAddon): FdScanHeadStart | null {
  if (native === null) return null;
  const proc = createProcFs('/proc');
  let scan: Promise<FdLinkScan>;
  try {
    scan = native.scanSocketFds('/proc/', Int32Array.from(listPids(proc)), planScanThreads(readSocketsInUse(proc)));
  } catch {
    return null; // /proc unreadable: the collector will say so in its own words
  }
  // a run that ends before taking the scan over (a usage error) must not die of its rejection
  scan.catch(() => {});
  return { job: { help: () => {}, result: () => scan } };
}

/** The head start's scan when collecting the live /proc, else null (the collector starts its own). */
export function takeHeadStart(headStart: FdScanHeadStart | null | undefined, procRoot: string): FdLinkScanJob | null {
  return headStart !== null && headStart !== undefined && isLiveProcRoot(procRoot) ? headStart.job : null;
}
