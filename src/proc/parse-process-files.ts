import { nulFree } from '../model/nul-free-text.js';

/**
 * Parsers for the per-process files the collector reads for socket owners:
 * /proc/PID/comm, stat, status, cmdline and the targets of the fd and ns/net links.
 */

/**
 * The comm field of /proc/PID/stat, read up to the LAST ')' because a comm may itself
 * contain ") " and spaces:
 *   "1234 (evil) x (y) S 1 1234 ..." -> "evil) x (y"
 *   "812 (sshd) S 1 812 812 0 -1 ..." -> "sshd"
 * Returns null when the text has no "(...)".
 */
export function parseStatComm(text: string): string | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  return open < 0 || close < open ? null : nulFree(text.slice(open + 1, close));
}

/** /proc/PID/comm: the name and a newline. "sshd\n" -> "sshd". */
export function parseCommFile(text: string): string {
  return nulFree(text.endsWith('\n') ? text.slice(0, -1) : text);
}

/**
 * Effective uid from /proc/PID/status, whose "Uid:" line holds real, effective, saved and
 * filesystem uids: "Uid:\t1000\t0\t0\t0" -> 0 (a setuid-root program run by uid 1000).
 * Null when there is no Uid line.
 */
export function parseStatusEffectiveUid(text: string): number | null {
  const at = text.startsWith('Uid:') ? 0 : text.indexOf('\nUid:') + 1;
  if (at === 0 && !text.startsWith('Uid:')) return null;
  const end = text.indexOf('\n', at);
  const values = text.slice(at + 4, end < 0 ? undefined : end).trim().split(/\s+/);
  const effective = Number(values[1] ?? values[0]);
  return values[0] !== '' && Number.isInteger(effective) && effective >= 0 ? effective : null;
}

/**
 * /proc/PID/cmdline: the arguments, each ended by NUL (a trailing run of NULs is dropped:
 * the kernel pads some rewritten titles with them).
 *   "/usr/bin/python3\0-m\0http.server\0"      -> ["/usr/bin/python3", "-m", "http.server"]
 *   "app\0--password\0a b c\0"                  -> ["app", "--password", "a b c"]
 *   "nginx: master process /usr/sbin/nginx"     -> ["nginx: master process /usr/sbin/nginx"] (a title set by the process)
 * Null for an empty file (kernel threads, zombies).
 */
export function parseCmdline(bytes: Uint8Array): string[] | null {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  if (end === 0) return null;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8').split('\0');
}

/**
 * Inode of a socket fd link: "socket:[20571]" -> 20571; -1 for anything else
 * ("pipe:[123]", "/dev/null", "anon_inode:[eventpoll]").
 */
export function parseSocketLink(target: string): number {
  // "socket:[" is 8 characters; checked by char codes: this runs once per open fd
  if (target.length < 10 || target.charCodeAt(0) !== 115 /* s */ || !target.startsWith('socket:[')) return -1;
  let value = 0;
  for (let i = 8; i < target.length - 1; i++) {
    const code = target.charCodeAt(i);
    if (code < 48 || code > 57) return -1;
    value = value * 10 + (code - 48);
  }
  return target.charCodeAt(target.length - 1) === 93 /* ] */ ? value : -1;
}

/** Inode of a network namespace link: "net:[4026531833]" -> 4026531833; -1 otherwise. */
export function parseNetnsLink(target: string): number {
  if (!target.startsWith('net:[') || !target.endsWith(']')) return -1;
  const value = Number(target.slice(5, -1));
  return Number.isInteger(value) && value > 0 ? value : -1;
}
