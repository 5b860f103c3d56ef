import { errnoCode } from '../errors.js';
import type { ProcFs } from '../proc/proc-fs.js';
import { parseNetnsLink, parseSocketLink } from '../proc/parse-process-files.js';
import type { WarningLog } from './warning-log.js';

/**
 * The result of one pass over /proc/PID: which network namespace each process is in,
 * and which (pid, fd) pairs hold each socket inode.
 */
export interface ProcessScan {
  /** every numeric /proc entry, ascending. */
  pids: number[];
  /** pid -> network namespace inode, for the pids whose ns/net link could be read. */
  netnsOfPid: Map<number, number>;
  /**
   * socket inode -> flat [pid, fd, pid, fd, ...]: every owner of a shared socket is kept.
   * Flat arrays rather than objects: this map holds one entry per socket on the host.
   */
  ownersOfInode: Map<number, number[]>;
  /** pids that hold at least one socket, ascending. */
  socketPids: number[];
}

/** Records why a per-process read failed; returns nothing, never throws for ENOENT/EACCES. */
export function noteProcessReadError(error: unknown, warnings: WarningLog, what: 'fd' | 'ns'): void {
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ESRCH') {
    warnings.add('pid-vanished', (count) => `${count} process reads failed because the process exited during collection; their sockets may be listed without those owners`, 'pid-vanished');
  } else if (code === 'EACCES' || code === 'EPERM') {
    if (what === 'fd') {
      warnings.add('permission-denied', (count) => `permission denied reading the open files of ${count} processes; their sockets are listed without those owners (run as root to see every owner)`, 'permission-denied-fd');
    } else {
      warnings.add('netns-permission-denied', (count) => `permission denied reading the network namespace of ${count} processes; sockets of namespaces that only they are in are not listed (run as root)`, 'permission-denied-ns');
    }
  } else {
    throw error;
  }
}

export function scanProcesses(proc: ProcFs, warnings: WarningLog): ProcessScan {
  const pids: number[] = [];
  for (const name of proc.listDir('')) {
    const first = name.charCodeAt(0);
    if (first >= 48 && first <= 57) {
      const pid = Number(name);
      if (Number.isInteger(pid)) pids.push(pid);
    }
  }
  pids.sort((a, b) => a - b);

  const netnsOfPid = new Map<number, number>();
  const ownersOfInode = new Map<number, number[]>();
  const socketPids: number[] = [];
  for (const pid of pids) {
    try {
      const netns = parseNetnsLink(proc.readLink(`${pid}/ns/net`));
      if (netns > 0) netnsOfPid.set(pid, netns);
    } catch (error) {
      noteProcessReadError(error, warnings, 'ns');
    }
    let fds: string[];
    try {
      fds = proc.listDir(`${pid}/fd`);
    } catch (error) {
      noteProcessReadError(error, warnings, 'fd');
      continue;
    }
    const prefix = `${pid}/fd/`;
    let holdsSocket = false;
    for (const fd of fds) {
      let target: string;
      try {
        target = proc.readLink(prefix + fd);
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'ENOENT') continue; // closed between readdir and readlink: holds nothing now
        noteProcessReadError(error, warnings, 'fd'); // EACCES: no fd of this process is readable
        break;
      }
      const inode = parseSocketLink(target);
      if (inode < 0) continue;
      holdsSocket = true;
      const owners = ownersOfInode.get(inode);
      if (owners === undefined) ownersOfInode.set(inode, [pid, Number(fd)]);
      else owners.push(pid, Number(fd));
    }
    if (holdsSocket) socketPids.push(pid);
  }
  return { pids, netnsOfPid, ownersOfInode, socketPids };
}
