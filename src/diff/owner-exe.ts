import type { SocketOwner } from '../model/socket-record.js';

/** What names an owner when its exe link could not be read: `[comm]`, as ps shows kernel threads. */
function ownerName(owner: SocketOwner): string | null {
  if (owner.exe !== null) return owner.exe;
  return owner.comm !== null ? `[${owner.comm}]` : null;
}

/**
 * The program a socket is attributed to: its oldest owner's exe, taken as the owner with
 * the lowest pid (the process that opened the socket and passed it on to a process tree
 * usually has the lowest pid; after a pid wrap a child may, and the socket is then still
 * named by one program). Null when the socket has no known owner (TIME_WAIT, or owners
 * hidden by permissions). Naming by one owner, not by joining every exe: a socket shared
 * down a build tree (make, dash, gcc, cc1) is one program's flow, not a five-exe key.
 *
 * @example
 *   [{ pid: 100, exe: '/usr/sbin/nginx' }, { pid: 101, exe: '/usr/sbin/nginx' }] -> '/usr/sbin/nginx'
 *   [{ pid: 900, exe: '/usr/bin/cc1' }, { pid: 700, exe: '/usr/bin/make' }]       -> '/usr/bin/make'
 *   [{ pid: 5, exe: null, comm: 'kworker' }]                                      -> '[kworker]'
 *   []                                                                            -> null
 */
export function ownerExeSignature(owners: readonly SocketOwner[]): string | null {
  let oldest: SocketOwner | null = null;
  let name: string | null = null;
  for (const owner of owners) {
    const ownerLabel = ownerName(owner);
    if (ownerLabel === null) continue;
    if (oldest === null || owner.pid < oldest.pid) {
      oldest = owner;
      name = ownerLabel;
    }
  }
  return name;
}
