import type { SocketRecord } from '../model/socket-record.js';

/** What identifies sockaudit's own sockets in a collection of the live host. */
export interface OwnSockets {
  /** this process's pid: a socket held by it alone is ours; null to keep them. */
  pid: number | null;
  /** inodes of the NETLINK_SOCK_DIAG sockets the dumps used (native/sock-diag.c). */
  netlinkInodes: ReadonlySet<number>;
}

/**
 * The collection without sockaudit's own sockets: the sock_diag netlink socket of a dump
 * that was open while the netlink table was read (seen in 2 of 10 snapshots, with no owner
 * when the fd scan had passed this process already, then gone in the next: pure noise in a
 * diff), and any socket held by this process alone. A socket this process shares with
 * others (inherited, or passed to it) is kept: it is theirs too.
 *
 * @example
 *   [netlink proto 4 inode 9001 (no owner), tcp LISTEN :22 (sshd)] with netlinkInodes {9001}
 *     -> [tcp LISTEN :22 (sshd)]
 */
export function withoutOwnSockets(sockets: SocketRecord[], own: OwnSockets): SocketRecord[] {
  const isOwn = (socket: SocketRecord): boolean =>
    (socket.family === 'netlink' && own.netlinkInodes.has(socket.inode)) ||
    (own.pid !== null && socket.owners.length > 0 && socket.owners.every((owner) => owner.pid === own.pid));
  return sockets.some(isOwn) ? sockets.filter((socket) => !isOwn(socket)) : sockets;
}
