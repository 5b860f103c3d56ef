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
  // every socket checked: the definition; the collector checks only its candidates
  // (ownSocketPositions), which must come to the same
  const positions: number[] = [];
  for (let i = 0; i < sockets.length; i++) if (isOwnSocket(sockets[i]!, own)) positions.push(i);
  return withoutPositions(sockets, positions);
}

/**
 * The positions among `candidates` (ascending) whose sockets are sockaudit's own. The
 * collector passes the few that can be: its dumps' netlink sockets and the sockets the scan
 * found in its own process; a pass over every socket instead was 4 ms at 50,000, after the
 * scan, when nothing else is left to run on the other core.
 */
export function ownSocketPositions(sockets: readonly SocketRecord[], own: OwnSockets, candidates: readonly number[]): number[] {
  return candidates.filter((position) => isOwnSocket(sockets[position]!, own));
}

/** The sockets but those at `positions` (ascending); the same array when there are none. */
export function withoutPositions(sockets: SocketRecord[], positions: readonly number[]): SocketRecord[] {
  if (positions.length === 0) return sockets;
  const kept: SocketRecord[] = [];
  let next = 0;
  for (let i = 0; i < sockets.length; i++) {
    if (i === positions[next]) next++;
    else kept.push(sockets[i]!);
  }
  return kept;
}

function isOwnSocket(socket: SocketRecord, own: OwnSockets): boolean {
  if (socket.family === 'netlink' && own.netlinkInodes.has(socket.inode)) return true;
  const owners = socket.owners;
  if (own.pid === null || owners.length === 0) return false;
  for (let i = 0; i < owners.length; i++) if (owners[i]!.pid !== own.pid) return false;
  return true;
}
