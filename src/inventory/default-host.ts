import path from 'node:path';
import { PROCESS_FILE_LIMITS, readBoundedFile } from '../proc/bounded-read.js';
import { nulFree } from '../model/nul-free-text.js';

/** A host name is at most 64 bytes (HOST_NAME_MAX); a captured tree's file may hold anything. */
const HOSTNAME_READ_LIMIT = 256;

/**
 * The host name a snapshot is recorded under and commands select snapshots by when --host
 * is not given: the kernel's hostname under the proc root (so that a captured tree's
 * snapshots are found with the same --proc-root). The one rule, for every command: the
 * file's first line, trimmed; 'unknown' when it is unreadable or empty.
 *
 * @example defaultHost('/proc') -> 'web1' (from /proc/sys/kernel/hostname "web1\n")
 * @example defaultHost('fixtures/proc/empty-hostname') -> 'unknown' (the file is "\n")
 */
export function defaultHost(procRoot: string): string {
  let text: string;
  try {
    // bounded, regular files only: a captured tree's hostname may be a FIFO or a link to /dev/zero
    text = readBoundedFile(path.join(procRoot, 'sys/kernel/hostname'), { ...PROCESS_FILE_LIMITS, maxBytes: HOSTNAME_READ_LIMIT }, []).toString('utf8');
  } catch {
    return 'unknown';
  }
  return hostNameFromText(text);
}

/** The one rule: the file's first line, trimmed; 'unknown' when there is no text or it is empty. */
export function hostNameFromText(text: string | null): string {
  const name = text === null ? '' : nulFree(text.split('\n', 1)[0]!.trim());
  return name === '' ? 'unknown' : name;
}

/** --host when given, else defaultHost. */
export function selectedHost(options: { host?: string; procRoot?: string }): string {
  return options.host ?? defaultHost(options.procRoot ?? '/proc');
}
