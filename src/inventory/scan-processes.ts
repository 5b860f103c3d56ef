import { errnoCode } from '../errors.js';
import type { FdLinkScan } from '../model/fd-link-scan.js';
import type { ProcFs } from '../proc/proc-fs.js';
import { parseNetnsLink } from '../proc/parse-process-files.js';
import type { WarningLog } from './warning-log.js';

/** Whether this process runs as root: advice to "run as root" is only given to a run that is not. */
export function runsAsRoot(): boolean {
  return process.geteuid?.() === 0;
}

/**
 * Records why a per-process read failed. A vanished process and a permission error are
 * counted; any other errno (ELOOP for an fd directory linked to itself in a captured tree,
 * ENOTDIR, EINVAL for an fd entry that is not a link) is a warning naming that process's
 * path under `root`: one process never stops the collection. Only a non-errno error is rethrown.
 *
 * The advice in a permission warning fits the run (issue 15): "run as root" only when it is
 * not root; as root, the likely cause is named instead (a process in another user
 * namespace, or /proc mounted with hidepid); pid 1 refused to root is said apart, since it
 * means sockaudit itself runs in a container. The advice is decided here, at collection,
 * and stored with the snapshot in the warning's message.
 */
export function noteProcessReadError(error: unknown, warnings: WarningLog, what: 'fd' | 'ns', pid: number, root: string, asRoot: boolean = runsAsRoot()): void {
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ESRCH') {
    warnings.add('pid-vanished', (count) => `${count} process reads failed because the process exited during collection; their sockets may be listed without those owners`);
  } else if (code === 'EACCES' || code === 'EPERM') {
    if (pid === 1 && asRoot) {
      // its namespace: the collector's host-netns-assumed warning says it (collect.ts)
      if (what === 'fd') {
        warnings.add('pid1-unreadable', () => "permission denied reading pid 1's open files although running as root: sockaudit probably runs in a container; pid 1's sockets are listed without that owner");
      }
      return;
    }
    const why = asRoot ? 'as root, such a process is in another user namespace or /proc is mounted with hidepid' : 'run as root to see every owner';
    if (what === 'fd') {
      warnings.add('permission-denied', (count) => `permission denied reading the open files of ${count} process(es); their sockets are listed without those owners (${why})`);
    } else {
      warnings.add('netns-permission-denied', (count) => `permission denied reading the network namespace of ${count} process(es); sockets of namespaces that only they are in are not listed (${why})`);
    }
  } else if (code !== undefined) {
    const file = what === 'fd' ? `${root}/${pid}/fd` : `${root}/${pid}/ns/net`;
    const consequence = what === 'fd' ? 'its sockets are listed without this process as owner' : 'its network namespace is unknown';
    warnings.add('process-unreadable', () => `${file}: ${code === 'ELOOP' ? 'ELOOP (a loop of symbolic links)' : code}; ${consequence}`, `process-unreadable ${what} ${pid}`);
  } else {
    throw error;
  }
}

/** Every numeric entry of the proc root, ascending. */
export function listPids(proc: ProcFs): number[] {
  const pids: number[] = [];
  for (const name of proc.listDir('')) {
    const first = name.charCodeAt(0);
    if (first >= 48 && first <= 57) {
      const pid = Number(name);
      if (Number.isInteger(pid)) pids.push(pid);
    }
  }
  return pids.sort((a, b) => a - b);
}

/**
 * Sockets in use on the host, from net/sockstat ("sockets: used 1234"), to size the work
 * ahead; 0 when unknown (captured trees usually lack the file).
 */
export function readSocketsInUse(proc: ProcFs): number {
  let text: string;
  try {
    text = proc.readText('net/sockstat');
  } catch {
    return 0;
  }
  const match = /^sockets: used (\d+)/.exec(text);
  return match === null ? 0 : Number(match[1]);
}

/** pid -> network namespace inode, for every pid whose ns/net link can be read. */
export function readNetnsOfPids(proc: ProcFs, pids: readonly number[], warnings: WarningLog): Map<number, number> {
  const netnsOfPid = new Map<number, number>();
  const root = proc.root.replace(/\/$/, '');
  for (const pid of pids) {
    try {
      const netns = parseNetnsLink(proc.readLink(`${pid}/ns/net`));
      if (netns > 0) netnsOfPid.set(pid, netns);
    } catch (error) {
      noteProcessReadError(error, warnings, 'ns', pid, root);
    }
  }
  return netnsOfPid;
}

/**
 * Turns a finished fd scan's failures into warnings, and gives the pids that hold at least
 * one socket, ascending: the only processes whose details are read.
 */
export function socketHoldingPids(scan: FdLinkScan, warnings: WarningLog, root: string): number[] {
  for (const failure of scan.failures) noteProcessReadError(Object.assign(new Error(failure.code), { code: failure.code }), warnings, 'fd', failure.pid, root);
  const pids = new Set<number>();
  let previous = -1;
  for (const pid of scan.pids) {
    if (pid === previous) continue; // a process's fds come together: most entries repeat the last pid
    pids.add(pid);
    previous = pid;
  }
  return [...pids].sort((a, b) => a - b);
}
