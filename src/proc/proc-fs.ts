import fs from 'node:fs';
import path from 'node:path';
import { startFdLinkScan, type FdLinkScanJob } from './fd-links.js';

/**
 * The few file operations the collector needs, all relative to a proc root. The live
 * system is one root (`/proc`); a captured fixture tree is just another. Errors are Node's
 * own (with `code` ENOENT, EACCES, ESRCH, ...), for the caller to classify.
 */
export interface ProcFs {
  /** the proc root this reads, e.g. `/proc` or `fixtures/proc/sockload-1k`. */
  readonly root: string;
  /** whole file as text; throws ENOENT when missing. */
  readText(relativePath: string): string;
  /** whole file as bytes (for NUL-separated files such as cmdline). */
  readBytes(relativePath: string): Buffer;
  /** target of a symbolic link (fd, exe, ns/net links). */
  readLink(relativePath: string): string;
  /** names in a directory. */
  listDir(relativePath: string): string[];
  /**
   * Starts reading every socket fd of the given processes (readdir PID/fd, readlink each
   * entry): the collector's hottest path, which the implementation may run on another
   * thread while the caller works; see FdLinkScanJob. `socketCountHint` (0 if unknown)
   * says roughly how many sockets the host has.
   */
  startSocketFdScan(pids: readonly number[], socketCountHint: number): FdLinkScanJob;
}

/** ProcFs over a directory on disk: /proc itself or a captured tree. */
export function createProcFs(root: string): ProcFs {
  const prefix = root.endsWith('/') ? root : root + '/';
  return {
    root,
    readText: (relativePath) => fs.readFileSync(prefix + relativePath, 'utf8'),
    readBytes: (relativePath) => fs.readFileSync(prefix + relativePath),
    readLink: (relativePath) => fs.readlinkSync(prefix + relativePath),
    listDir: (relativePath) => fs.readdirSync(relativePath === '' ? root : prefix + relativePath),
    startSocketFdScan: (pids, socketCountHint) => startFdLinkScan(prefix, pids, socketCountHint),
  };
}

/** Whether `root` is the live /proc (as opposed to a captured tree). */
export function isLiveProcRoot(root: string): boolean {
  return path.resolve(root) === '/proc';
}
