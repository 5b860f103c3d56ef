import fs from 'node:fs';
import path from 'node:path';

/**
 * The host name commands select snapshots by when --host is not given: the one
 * `snapshot` records by default, the kernel's hostname under the proc root (so that a
 * captured tree's snapshots are found with the same --proc-root).
 *
 * @example defaultHost('/proc') -> 'web1' (from /proc/sys/kernel/hostname); 'unknown' if unreadable
 */
export function defaultHost(procRoot: string): string {
  try {
    const name = fs.readFileSync(path.join(procRoot, 'sys/kernel/hostname'), 'utf8').trim();
    return name === '' ? 'unknown' : name;
  } catch {
    return 'unknown';
  }
}

/** --host when given, else defaultHost. */
export function selectedHost(options: { host?: string; procRoot?: string }): string {
  return options.host ?? defaultHost(options.procRoot ?? '/proc');
}
