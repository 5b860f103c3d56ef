import fs from 'node:fs';
import { listPids } from '../inventory/scan-processes.js';
import type { ProcFs } from '../proc/proc-fs.js';
import { parseCommFile, parseNetnsLink } from '../proc/parse-process-files.js';

/** A network namespace as `watch` sees it at one poll. */
export interface WatchedNamespace {
  inode: number;
  name: string;
  /** the file to enter it by (setns): /run/netns/NAME when named, else /proc/PID/ns/net; null for our own. */
  entryPath: string | null;
  /** a pid inside it, whose /proc/PID/net/* files list its raw, packet and SCTP sockets; null when none. */
  readerPid: number | null;
}

/** The pids of the host and every network namespace with a way in, as of now. */
export interface NamespaceView {
  pids: number[];
  namespaces: WatchedNamespace[];
}

/**
 * Every network namespace now: those of every process (one readlink of /proc/PID/ns/net
 * each, about 2 µs; a process can change namespace with setns or unshare, so none is
 * cached) and those kept by `ip netns add` in /run/netns with no process inside. Named
 * as the collector names them: `host` for pid 1's, the /run/netns name, else the comm of
 * its lowest pid. A process that exits while being read is simply not counted.
 */
export function readNamespaceView(proc: ProcFs): NamespaceView {
  const pids = listPids(proc);
  const root = proc.root.endsWith('/') ? proc.root : `${proc.root}/`;
  let own = -1;
  try {
    own = parseNetnsLink(proc.readLink('self/ns/net'));
  } catch {
    // every namespace is then entered by path
  }
  const lowestPid = new Map<number, number>();
  let hostNetns = -1;
  for (const pid of pids) {
    let inode: number;
    try {
      inode = parseNetnsLink(proc.readLink(`${pid}/ns/net`));
    } catch {
      continue; // exited, or not ours to read
    }
    if (pid === 1) hostNetns = inode;
    if (!lowestPid.has(inode)) lowestPid.set(inode, pid);
  }
  const named = readRunNetns();
  const namespaces: WatchedNamespace[] = [];
  const inodes = new Set([...lowestPid.keys(), ...named.keys()]);
  for (const inode of inodes) {
    const pid = lowestPid.get(inode) ?? null;
    const runName = named.get(inode);
    let name = inode === hostNetns || (hostNetns < 0 && inode === own) ? 'host' : runName;
    if (name === undefined) {
      try {
        name = pid === null ? `netns-${inode}` : parseCommFile(proc.readText(`${pid}/comm`));
      } catch {
        name = `netns-${inode}`;
      }
    }
    const entryPath = inode === own ? null : runName !== undefined ? `/run/netns/${runName}` : pid !== null ? `${root}${pid}/ns/net` : null;
    if (entryPath === null && inode !== own) continue; // no way in
    namespaces.push({ inode, name, entryPath, readerPid: pid });
  }
  namespaces.sort((a, b) => (a.name === 'host' ? -1 : b.name === 'host' ? 1 : a.inode - b.inode));
  return { pids, namespaces };
}

/**
 * Namespaces named by `ip netns add`: inode -> name, from the nsfs mounts in /run/netns
 * (the collector's readHostContext also parses /etc/passwd, too much for every poll).
 */
function readRunNetns(): Map<number, string> {
  const names = new Map<number, string>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/run/netns').sort();
  } catch {
    return names;
  }
  for (const name of entries) {
    try {
      const inode = fs.statSync(`/run/netns/${name}`).ino;
      // a name whose mount is gone is a plain empty file on tmpfs: not a namespace
      if (fs.statSync('/run/netns').dev !== fs.statSync(`/run/netns/${name}`).dev && !names.has(inode)) names.set(inode, name);
    } catch {
      // deleted while read
    }
  }
  return names;
}
