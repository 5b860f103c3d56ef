import path from 'node:path';
import { PROCESS_FILE_LIMITS, readBoundedFile } from '../proc/bounded-read.js';

/**
 * The host name commands select snapshots by when --host is not given: the one
 * `snapshot` records by default, the kernel's hostname under the proc root (so that a
 * captured tree's snapshots are found with the same --proc-root).
 *
 * @example defaultHost('/proc') -> 'web1' (from /proc/sys/kernel/hostname); 'unknown' if unreadable
 */
export function defaultHost(procRoot: string): string {
  try {
    // bounded: a captured tree's hostname may be a FIFO or a link to /dev/zero
    const name = readBoundedFile(path.join(procRoot, 'sys/kernel/hostname'), PROCESS_FILE_LIMITS, []).toString('utf8').trim();
    return name === '' ? 'unknown' : name;
  } catch {
    return 'unknown';
  }
}

/** --host when given, else defaultHost. */
export function selectedHost(options: { host?: string; procRoot?: string }): string {
  return options.host ?? defaultHost(options.procRoot ?? '/proc');
}
