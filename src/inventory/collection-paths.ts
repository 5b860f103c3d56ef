import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { nativeAddon, type NativeAddon } from '../native/native-addon.js';
import { isLiveProcRoot, createProcFs } from '../proc/proc-fs.js';
import { listPids } from './scan-processes.js';
import { SOCKET_SOURCES } from './socket-sources.js';

/** How one socket table of this host's own network namespace is read now. */
export interface TablePath {
  /** the table, named by its /proc file: `net/tcp`, `net/unix`, `net/sctp/eps`... */
  table: string;
  /** `sock_diag`: a netlink dump (native addon); `proc`: the /proc text; `absent`: the kernel has no such table. */
  source: 'sock_diag' | 'proc' | 'absent';
  /** why a table sock_diag could dump is read from /proc instead (or why it is absent); null otherwise. */
  reason: string | null;
}

/**
 * Which source the collector uses for each table, probed for real: every table that
 * sock_diag can dump is dumped once in this namespace (as `collect` does), and every file
 * is looked for. Other namespaces are dumped the same way when sockaudit may enter them
 * (root); where it may not, their files are read.
 *
 * @example on a host with the addon and no SCTP module:
 *   [{ table: 'net/tcp', source: 'sock_diag', reason: null }, ...,
 *    { table: 'net/raw', source: 'proc', reason: null }, ...,
 *    { table: 'net/sctp/eps', source: 'absent', reason: 'sctp is not in this kernel or its module is not loaded' }]
 */
export async function probeTablePaths(procRoot: string, addon: Pick<NativeAddon, 'dumpSockets'> | null = nativeAddon): Promise<TablePath[]> {
  const live = isLiveProcRoot(procRoot);
  const withDiag = SOCKET_SOURCES.filter((source) => source.diag !== undefined);
  const dumps = live && addon !== null
    ? await addon.dumpSockets(withDiag.map((source) => ({ netnsPath: null, family: source.diag!.family, protocol: source.diag!.protocol })))
    : null;
  return SOCKET_SOURCES.map((source) => {
    const file = path.join(procRoot, 'self', source.file);
    const present = fs.existsSync(live ? file : path.join(procRoot, source.file)) || hasAnyPidFile(procRoot, source.file);
    if (!present) {
      const module = source.file.startsWith('net/sctp') ? 'sctp' : source.file.startsWith('net/udplite') ? 'udplite' : source.file.endsWith('6') ? 'ipv6' : null;
      return { table: source.file, source: 'absent', reason: module === null ? 'not in this kernel' : `${module} is not in this kernel or its module is not loaded` };
    }
    if (source.diag === undefined) return { table: source.file, source: 'proc', reason: null };
    if (!live) return { table: source.file, source: 'proc', reason: 'a captured /proc tree is read from its files' };
    if (dumps === null) return { table: source.file, source: 'proc', reason: 'the native addon is not loaded' };
    const dump = dumps[withDiag.indexOf(source)]!;
    if ('code' in dump) return { table: source.file, source: 'proc', reason: `the sock_diag dump was refused (${dump.code})` };
    return { table: source.file, source: 'sock_diag', reason: null };
  });
}

/** A captured tree keeps net/ files under its pids only. */
function hasAnyPidFile(procRoot: string, file: string): boolean {
  if (isLiveProcRoot(procRoot)) return false;
  try {
    return listPids(createProcFs(procRoot)).some((pid) => fs.existsSync(path.join(procRoot, String(pid), file)));
  } catch {
    return false;
  }
}

/** Owner coverage: of the processes now, how many let this user list their open files. */
export interface OwnerCoverage {
  processes: number;
  readable: number;
  /** the errno of the unreadable ones, most common first, e.g. [['EACCES', 212]]. */
  unreadableBy: Array<[string, number]>;
}

/**
 * Lists every /proc/PID/fd as the fd scan would: a process whose fd directory cannot be
 * read has its sockets listed without it as an owner. Processes that exit meanwhile are
 * not counted.
 */
export function probeOwnerCoverage(procRoot: string): OwnerCoverage {
  const pids = listPids(createProcFs(procRoot));
  let processes = 0;
  let readable = 0;
  const errors = new Map<string, number>();
  for (const pid of pids) {
    try {
      fs.opendirSync(path.join(procRoot, String(pid), 'fd')).closeSync();
      processes++;
      readable++;
    } catch (error) {
      const code = errnoCode(error) ?? 'EIO';
      if (code === 'ENOENT' || code === 'ESRCH') continue; // exited
      processes++;
      errors.set(code, (errors.get(code) ?? 0) + 1);
    }
  }
  return { processes, readable, unreadableBy: [...errors].sort((a, b) => b[1] - a[1]) };
}
