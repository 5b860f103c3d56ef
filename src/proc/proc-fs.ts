import fs from 'node:fs';
import path from 'node:path';
import { CMDLINE_LIMITS, PROCESS_FILE_LIMITS, readBoundedFile, type ReadLimits, type ReadNote } from './bounded-read.js';
import { startFdLinkScan, type FdLinkScanJob } from './fd-links.js';

/**
 * The few file operations the collector needs, all relative to a proc root. The live
 * system is one root (`/proc`); a captured fixture tree is just another. Errors are Node's
 * own (with `code` ENOENT, EACCES, ESRCH, ELOOP...), for the caller to classify, or
 * NotRegularFileError (code NOT_REGULAR). Every read is bounded (bounded-read.ts): what a
 * limit cut is pushed onto `notes`, for the collector to turn into warnings.
 */
export interface ProcFs {
  /** the proc root this reads, e.g. `/proc` or `fixtures/proc/sockload-1k`. */
  readonly root: string;
  /** what the read limits cut so far, in read order. */
  readonly notes: ReadNote[];
  /** a regular file as text, within `limits` (default: a per-process file's); throws ENOENT when missing. */
  readText(relativePath: string, limits?: ReadLimits): string;
  /** a regular file as bytes (for NUL-separated files such as cmdline), within `limits` (default: cmdline's). */
  readBytes(relativePath: string, limits?: ReadLimits): Buffer;
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
  const notes: ReadNote[] = [];
  return {
    root,
    notes,
    readText: (relativePath, limits = PROCESS_FILE_LIMITS) => readBoundedFile(prefix + relativePath, limits, notes).toString('utf8'),
    readBytes: (relativePath, limits = CMDLINE_LIMITS) => readBoundedFile(prefix + relativePath, limits, notes),
    readLink: (relativePath) => fs.readlinkSync(prefix + relativePath),
    listDir: (relativePath) => fs.readdirSync(relativePath === '' ? root : prefix + relativePath),
    startSocketFdScan: (pids, socketCountHint) => startFdLinkScan(prefix, pids, socketCountHint),
  };
}

/** Whether `root` is the live /proc (as opposed to a captured tree). */
export function isLiveProcRoot(root: string): boolean {
  return path.resolve(root) === '/proc';
}
