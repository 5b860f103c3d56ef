import { SOCKET_FAMILIES, type SocketRecord } from '../model/socket-record.js';
import { canonicalSocket } from './canonical-socket.js';

const familyRank = new Map<string, number>(SOCKET_FAMILIES.map((family, index) => [family, index]));

/** What sockets are ordered by, nulls mapped to values that sort first. */
interface SortKey {
  family: number;
  netns: number;
  ipVersion: number;
  localPort: number;
  localAddress: string;
  remoteAddress: string;
  remotePort: number;
  path: string;
  inode: number;
}

function sortKey(socket: SocketRecord): SortKey {
  return {
    family: familyRank.get(socket.family) ?? SOCKET_FAMILIES.length,
    netns: socket.netns,
    ipVersion: socket.ipVersion ?? 0,
    localPort: socket.localPort ?? -1,
    localAddress: socket.localAddress ?? '',
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? -1,
    path: socket.path ?? '',
    inode: socket.inode,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKeys(a: SortKey, b: SortKey): number {
  return (
    a.family - b.family ||
    a.netns - b.netns ||
    a.ipVersion - b.ipVersion ||
    a.localPort - b.localPort ||
    compareText(a.localAddress, b.localAddress) ||
    compareText(a.remoteAddress, b.remoteAddress) ||
    a.remotePort - b.remotePort ||
    compareText(a.path, b.path) ||
    a.inode - b.inode
  );
}

/**
 * The order of sockets in a reconstructed snapshot: by family (as listed in docs/design.md),
 * namespace, IP version, local port, local address, peer, path, inode, and, for sockets
 * equal in all of those, their canonical string: a total order, so a snapshot always
 * reads back in the same order.
 */
export function compareSockets(a: SocketRecord, b: SocketRecord): number {
  return compareKeys(sortKey(a), sortKey(b)) || compareText(canonicalSocket(a), canonicalSocket(b));
}

/** The sockets in compareSockets order; keys are computed once per socket (50,000 at a time). */
export function sortSockets(sockets: readonly SocketRecord[]): SocketRecord[] {
  const decorated = sockets.map((socket) => ({ socket, key: sortKey(socket) }));
  decorated.sort((a, b) => compareKeys(a.key, b.key) || compareText(canonicalSocket(a.socket), canonicalSocket(b.socket)));
  return decorated.map((entry) => entry.socket);
}
