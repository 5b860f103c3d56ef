import os from 'node:os';
import { errnoCode } from '../errors.js';
import type { ProcessFileDump } from '../model/fd-link-scan.js';
import { CMDLINE_LIMITS, limitBytes, PROCESS_FILE_LIMITS, type ReadNote } from '../proc/bounded-read.js';
import type { ProcFs } from '../proc/proc-fs.js';
import { parseCmdline, parseCommFile, parseStatComm, parseStatusEffectiveUid } from '../proc/parse-process-files.js';

/**
 * What is stored of a process's argv: by default the arguments joined with single spaces
 * (SocketOwner.cmdline); `snapshot --cmdline` passes a redacting one (store/cmdline-policy.ts),
 * which sees the arguments before they are joined. `exe` tells which program it is.
 */
export type CmdlineRenderer = (argv: readonly string[], exe: string | null) => string | null;

/**
 * argv joined with single spaces, as SocketOwner.cmdline always was: an argument holding a
 * space is not quoted (so stored rows of every version read the same way).
 * @example joinArgv(['/usr/bin/python3', '-m', 'http.server']) -> '/usr/bin/python3 -m http.server'
 */
export const joinArgv: CmdlineRenderer = (argv) => argv.join(' ');

/** What is kept of a process that owns a socket. */
export interface ProcessDetails {
  comm: string | null;
  exe: string | null;
  cmdline: string | null;
  uid: number | null;
  user: string | null;
}

/** A file that could not be read: the errno code. */
interface ReadFailure {
  code: string;
}

/** The files a process's details are made of, as read (text; bytes for cmdline) or the failure. */
export interface ProcessFiles {
  comm: string | ReadFailure;
  /** /proc/PID/stat, read only when comm cannot be (kernels before 2.6.33); null when not read. */
  stat: string | ReadFailure | null;
  /** the target of the exe link. */
  exe: string | ReadFailure;
  cmdline: Uint8Array | ReadFailure;
  status: string | ReadFailure;
  /** which cgroups the process is in: the container it runs in (container-identity.ts). */
  cgroup: string | ReadFailure;
}

/** What processDetailsFromFiles reads of a process's files. */
type DetailFiles = Omit<ProcessFiles, 'cgroup'>;

/** Told of a process file that could not be read for another reason than a vanished process or a permission. */
export type UnreadableFile = (file: 'comm' | 'stat' | 'exe' | 'cmdline' | 'status', code: string) => void;

/**
 * A vanished process or a permission error: the field is null. Anything else (a FIFO or a
 * loop of links in a captured tree, NOT_REGULAR or ELOOP) is null too, and told to `unreadable`.
 */
function contentOrNull<T>(read: T | ReadFailure, file: Parameters<UnreadableFile>[0], unreadable: UnreadableFile | undefined): T | null {
  if (typeof read !== 'object' || read instanceof Uint8Array) return read as T;
  const { code } = read as ReadFailure;
  if (code !== 'ENOENT' && code !== 'ESRCH' && code !== 'EACCES' && code !== 'EPERM') unreadable?.(file, code);
  return null;
}

/**
 * comm, exe, cmdline and effective uid of a process, from its files. comm comes from
 * /proc/PID/comm, else from /proc/PID/stat read up to the last ')'. exe is the link target
 * as the kernel shows it, " (deleted)" suffix included. Fields that could not be read are
 * null: kernel threads have no exe, and exe is unreadable for other users' processes when
 * not root. The command line is what `renderCmdline` makes of argv (joined, by default).
 */
export function processDetailsFromFiles(
  files: DetailFiles,
  users: ReadonlyMap<number, string> | null,
  renderCmdline: CmdlineRenderer = joinArgv,
  unreadable?: UnreadableFile,
): ProcessDetails {
  const commText = contentOrNull(files.comm, 'comm', unreadable);
  const statText = files.stat === null ? null : contentOrNull(files.stat, 'stat', unreadable);
  const comm = commText !== null ? parseCommFile(commText) : statText !== null ? parseStatComm(statText) : null;
  const exe = contentOrNull(files.exe, 'exe', unreadable);
  const cmdlineBytes = contentOrNull(files.cmdline, 'cmdline', unreadable);
  const argv = cmdlineBytes === null ? null : parseCmdline(cmdlineBytes);
  const cmdline = argv === null ? null : renderCmdline(argv, exe);
  const statusText = contentOrNull(files.status, 'status', unreadable);
  const uid = statusText === null ? null : parseStatusEffectiveUid(statusText);
  const user = uid === null || users === null ? null : (users.get(uid) ?? null);
  return { comm, exe, cmdline, uid, user };
}

/** Reads one file, turning a read error into its errno code (contentOrNull decides what it means). */
function attempt<T>(read: () => T): T | ReadFailure {
  try {
    return read();
  } catch (error) {
    const code = errnoCode(error);
    if (code === undefined) throw error;
    return { code };
  }
}

/** A process's files, read through `proc` (the C scan reads them itself: processFilesFromDump). */
export function readProcessFiles(proc: ProcFs, pid: number): ProcessFiles {
  return { ...readDetailFiles(proc, pid), cgroup: attempt(() => proc.readText(`${pid}/cgroup`)) };
}

/** The files the details are made of: not cgroup, which only the collector wants (watch does not). */
function readDetailFiles(proc: ProcFs, pid: number): DetailFiles {
  const comm = attempt(() => proc.readText(`${pid}/comm`));
  return {
    comm,
    stat: typeof comm === 'string' ? null : attempt(() => proc.readText(`${pid}/stat`)),
    exe: attempt(() => proc.readLink(`${pid}/exe`)),
    cmdline: attempt(() => proc.readBytes(`${pid}/cmdline`)),
    status: attempt(() => proc.readText(`${pid}/status`)),
  };
}

export function readProcessDetails(proc: ProcFs, pid: number, users: ReadonlyMap<number, string> | null, renderCmdline: CmdlineRenderer = joinArgv): ProcessDetails {
  return processDetailsFromFiles(readDetailFiles(proc, pid), users, renderCmdline);
}

/** Where each process's files are in a ProcessFileDump: pid -> its index. */
export function indexProcessFileDump(dump: ProcessFileDump): Map<number, number> {
  const index = new Map<number, number>();
  dump.pids.forEach((pid, position) => index.set(pid, position));
  return index;
}

/** native/fd-scan.c's order of a process's files, and NOT_READ (stat, when comm could be read). */
const COMM = 0;
const STAT = 1;
const EXE = 2;
const CMDLINE = 3;
const STATUS = 4;
const CGROUP = 5;
/** spans per process: an (offset, length) pair per file. */
const SPANS_PER_PROCESS = 12;
const NOT_READ = -2147483648;
/** native/fd-scan.c's length for a file that is not a regular file (a FIFO, a device): never read. */
const NOT_REGULAR = -2147483647;

/** Node's name for each errno number (Linux values), e.g. 2 -> ENOENT. */
const ERRNO_NAMES = new Map<number, string>();
for (const [name, errno] of Object.entries(os.constants.errno)) if (!ERRNO_NAMES.has(errno)) ERRNO_NAMES.set(errno, name);

/**
 * The files of the process at `position` of a dump the C scan made (native/fd-scan.c):
 * per file an (offset, length) span of `bytes`, a negative length being -errno (or
 * NOT_REGULAR). The C scan reads up to one byte past the cap (bounded-read.ts), so that
 * limitBytes can cut and report a file that was too long just as readBoundedFile does;
 * `directory` (PROC/PID) names the files in those notes.
 *
 *   spans [0, 5, 5, -2147483648, 5, 13, 18, 24, 42, 1200, 1242, 30], bytes "node\n/usr/bin/node..."
 *   -> comm "node\n", stat not read, exe "/usr/bin/node", cmdline 24 bytes, status 1200,
 *      cgroup 30 ("0::/system.slice/app.service\n")
 */
export function processFilesFromDump(dump: ProcessFileDump, position: number, directory = '', notes: ReadNote[] = []): ProcessFiles {
  const bytes = Buffer.from(dump.bytes.buffer, dump.bytes.byteOffset, dump.bytes.byteLength);
  const span = (file: number): [offset: number, length: number] => [dump.spans[position * SPANS_PER_PROCESS + file * 2]!, dump.spans[position * SPANS_PER_PROCESS + file * 2 + 1]!];
  const failure = (length: number): ReadFailure => ({ code: length === NOT_REGULAR ? 'NOT_REGULAR' : (ERRNO_NAMES.get(-length) ?? `errno ${-length}`) });
  const limited = (file: number, name: string): Uint8Array | ReadFailure => {
    const [offset, length] = span(file);
    if (length < 0) return failure(length);
    return limitBytes(`${directory}/${name}`, bytes.subarray(offset, offset + length), file === CMDLINE ? CMDLINE_LIMITS : PROCESS_FILE_LIMITS, notes);
  };
  const text = (file: number, name: string): string | ReadFailure => {
    const read = limited(file, name);
    return read instanceof Uint8Array ? Buffer.from(read.buffer, read.byteOffset, read.byteLength).toString('utf8') : read;
  };
  return {
    comm: text(COMM, 'comm'),
    stat: span(STAT)[1] === NOT_READ ? null : text(STAT, 'stat'),
    // the link's target: at most PATH_MAX, so never cut
    exe: span(EXE)[1] < 0 ? failure(span(EXE)[1]) : bytes.toString('utf8', span(EXE)[0], span(EXE)[0] + span(EXE)[1]),
    cmdline: limited(CMDLINE, 'cmdline'),
    status: text(STATUS, 'status'),
    cgroup: text(CGROUP, 'cgroup'),
  };
}
