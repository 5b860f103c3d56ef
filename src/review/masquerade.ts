/**
 * Masquerade detection: a process whose comm and argv[0] both name something other than
 * the executable it runs, as BPFDoor does (runs /dev/shm/kdmtmpflush, calls itself
 * `/sbin/udevd -d`). It must not cry wolf on an ordinary host, so a name matches its exe when:
 * - it is the exe's basename (`sshd` for /usr/sbin/sshd);
 * - it is the comm cut at 15 characters (`containerd-shim` for containerd-shim-runc-v2);
 * - the exe is a versioned or suffixed target of it (python3 -> python3.11, vim -> vim.basic,
 *   php-fpm -> php-fpm8.2, firefox -> firefox-esr);
 * - argv[0] was rewritten by a daemon in the `name: what` form (`sshd: bob@pts/0`,
 *   `postgres: 15/main: checkpointer`, `nginx: worker process`), or is a login shell (`-bash`);
 * - argv[0] or comm names a symlink to the exe on the process's own filesystem (`mysqld` ->
 *   mariadbd, `nc` -> nc.openbsd), when an ExecutableAliases can tell;
 * - systemd's forked helpers, `(sd-pam)` and the like.
 * Interpreters (python, perl, node, java, sh...), the dynamic loader and multi-call binaries
 * (busybox) are not judged: their process names are whatever the script or applet is called.
 * Whatever the exe, an argv[0] in brackets (`[kworker/0:1]`) poses as a kernel thread, which
 * has no exe at all: that is always a finding.
 */

export interface ProcessNames {
  pid: number;
  comm: string | null;
  /** as the kernel shows it, possibly with a " (deleted)" suffix. */
  exe: string | null;
  /** argv joined with spaces. */
  cmdline: string | null;
}

/** Answers whether a name, as a process was started with it, is a symlink to its exe. */
export interface ExecutableAliases {
  /** `name` is argv[0] (absolute, relative or a bare command name) or a comm. */
  isAlias(pid: number, name: string, exe: string): boolean;
}

const DELETED_SUFFIX = ' (deleted)';

export function exeWithoutDeletedSuffix(exe: string): string {
  return exe.endsWith(DELETED_SUFFIX) ? exe.slice(0, -DELETED_SUFFIX.length) : exe;
}

function basename(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

/** Executables whose process names are chosen by what they run, not by themselves. */
const NOT_JUDGED =
  /^(python|pypy|perl|ruby|node|nodejs|deno|bun|bash|sh|dash|zsh|ksh|mksh|fish|tcsh|csh|java|php|php-cgi|lua|luajit|tclsh|wish|rscript|r|guile|gawk|mawk|awk|dotnet|mono|mono-sgen|erl|beam\.smp|julia|busybox|toybox|coreutils|qemu-.*|xtables-.*-multi|ld-linux.*\.so|ld-musl-.*\.so)[\d.]*$/i;

/** what may follow a name in a versioned or suffixed exe: python3 -> python3.11, vim -> vim.basic */
const VERSION_OR_SUFFIX = /^[._\-0-9]/;

/**
 * Whether a process name matches an exe basename.
 * @example namesMatch('python3', 'python3.11', false) -> true
 *          namesMatch('containerd-shim', 'containerd-shim-runc-v2', true) -> true
 *          namesMatch('udevd', 'kdmtmpflush', false) -> false
 */
export function namesMatch(name: string, exeBase: string, truncatedComm: boolean): boolean {
  const a = name.toLowerCase();
  const b = exeBase.toLowerCase();
  if (a === '' || b === '') return false;
  if (a === b) return true;
  if (truncatedComm && b.startsWith(a)) return true;
  if (b.startsWith(a) && VERSION_OR_SUFFIX.test(b.slice(a.length))) return true;
  if (a.startsWith(b) && VERSION_OR_SUFFIX.test(a.slice(b.length))) return true;
  return false;
}

/** argv[0] as a name: the first word, its basename, without a `name:` colon or login dash. */
export function argv0Name(cmdline: string | null): { raw: string; name: string } | null {
  if (cmdline === null) return null;
  const raw = cmdline.trimStart().split(' ')[0] ?? '';
  if (raw === '') return null;
  const name = basename(raw).replace(/:$/, '').replace(/^-/, '');
  return { raw, name };
}

/** The reason a process is masquerading, or null when it is not (or cannot be judged). */
export function masqueradeReason(process: ProcessNames, aliases?: ExecutableAliases): string | null {
  if (process.exe === null || process.exe === '') return null;
  const exePath = exeWithoutDeletedSuffix(process.exe);
  const exeBase = basename(exePath);
  const argv0 = argv0Name(process.cmdline);
  if (argv0 !== null && /^\[.*\]:?$/.test(argv0.raw)) {
    return `argv[0] "${argv0.raw}" poses as a kernel thread, but the process runs ${process.exe}`;
  }
  if (NOT_JUDGED.test(exeBase)) return null;
  const comm = process.comm;
  if (comm === null || comm === '') return null;
  if (/^\(.*\)$/.test(comm) && exeBase.startsWith('systemd')) return null;
  const commMatches =
    namesMatch(comm, exeBase, comm.length === 15) || (aliases?.isAlias(process.pid, comm, exePath) ?? false);
  if (commMatches) return null;
  if (argv0 !== null) {
    const argvMatches =
      namesMatch(argv0.name, exeBase, false) || (aliases?.isAlias(process.pid, argv0.raw.replace(/:$/, ''), exePath) ?? false);
    if (argvMatches) return null;
    return `comm "${comm}" and argv[0] "${argv0.raw}" do not match the executable ${process.exe}`;
  }
  return `comm "${comm}" does not match the executable ${process.exe}, and argv is empty`;
}
