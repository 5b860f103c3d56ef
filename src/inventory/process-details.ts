import { errnoCode } from '../errors.js';
import type { ProcFs } from '../proc/proc-fs.js';
import { parseCmdline, parseCommFile, parseStatComm, parseStatusEffectiveUid } from '../proc/parse-process-files.js';

/** What is kept of a process that owns a socket. */
export interface ProcessDetails {
  comm: string | null;
  exe: string | null;
  cmdline: string | null;
  uid: number | null;
  user: string | null;
}

/** Reads a file, returning null for a vanished process or a permission error. */
function readOrNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM') return null;
    throw error;
  }
}

/**
 * comm, exe, cmdline and effective uid of one process. comm comes from /proc/PID/comm,
 * else from /proc/PID/stat read up to the last ')'. exe is the link target as the kernel
 * shows it, " (deleted)" suffix included. Fields that cannot be read are null: kernel
 * threads have no exe, and exe is unreadable for other users' processes when not root.
 */
export function readProcessDetails(proc: ProcFs, pid: number, users: ReadonlyMap<number, string> | null): ProcessDetails {
  const comm =
    readOrNull(() => parseCommFile(proc.readText(`${pid}/comm`))) ?? readOrNull(() => parseStatComm(proc.readText(`${pid}/stat`)));
  const exe = readOrNull(() => proc.readLink(`${pid}/exe`));
  const cmdline = readOrNull(() => parseCmdline(proc.readBytes(`${pid}/cmdline`)));
  const uid = readOrNull(() => parseStatusEffectiveUid(proc.readText(`${pid}/status`)));
  const user = uid === null || users === null ? null : (users.get(uid) ?? null);
  return { comm, exe, cmdline, uid, user };
}
