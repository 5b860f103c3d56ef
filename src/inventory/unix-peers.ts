import type { SocketOwner, SocketRecord } from '../model/socket-record.js';
import { InodeIndex } from './inode-index.js';

/**
 * Who is connected to whom over unix sockets (issue 15): each connected unix socket read
 * through sock_diag knows its peer's inode (UNIX_DIAG_PEER, `peerInode`), and the peer is
 * another record of the same inventory, with its own owners. This is what a review of
 * docker.sock or a database socket asks: which processes are on the other end.
 */
/**
 * The unix sockets of an inventory by inode: an InodeIndex (typed arrays) over the records'
 * positions. A Map of 25,000 unix sockets took 5 ms to fill and its entries were objects for
 * the garbage collector to copy during the JSON write of collect --json.
 */
export class UnixPeerIndex {
  private readonly byInode: InodeIndex;

  /**
   * `byInode`: an index of `records` by inode already made (the collector's, of every family:
   * only unix records are peers); `leftOut`: records of it that are not in the inventory.
   */
  constructor(
    private readonly records: readonly SocketRecord[],
    byInode?: InodeIndex,
    private readonly leftOut: ReadonlySet<SocketRecord> = NOTHING_LEFT_OUT,
  ) {
    this.byInode = byInode ?? indexUnixInodes(records);
  }

  /** The unix record with this inode (the first, if listed twice), or null. */
  get(inode: number): SocketRecord | null {
    const position = this.byInode.lookup(inode);
    if (position === -1) return null;
    const record = this.records[position >= 0 ? position : this.byInode.group(position)[0]!]!;
    return record.family === 'unix' && (this.leftOut.size === 0 || !this.leftOut.has(record)) ? record : null;
  }
}

const NOTHING_LEFT_OUT: ReadonlySet<SocketRecord> = new Set();

function indexUnixInodes(records: readonly SocketRecord[]): InodeIndex {
  const inodes = new Float64Array(records.length);
  for (let i = 0; i < records.length; i++) if (records[i]!.family === 'unix') inodes[i] = records[i]!.inode; // 0: not indexed
  return new InodeIndex(inodes);
}

/** Indexes the collector made as it collected, by the sockets array it returned. */
const madeByCollector = new WeakMap<readonly SocketRecord[], UnixPeerIndex>();

/**
 * Leaves the collector's index for the sockets it returns, for unixPeerIndex to use rather
 * than index them again: the collector indexes every record by inode anyway (to attach
 * owners), before its scan of the processes' fds ends; a second index, made while writing
 * collect --json, was 5 ms at 50,000 sockets with nothing else to do on the other core.
 */
export function keepUnixPeerIndex(sockets: readonly SocketRecord[], index: UnixPeerIndex): void {
  madeByCollector.set(sockets, index);
}

/**
 * The unix sockets of an inventory by inode, or null when no socket in `wanted` has a peer
 * (the /proc text has none, nor has a stored snapshot): then nothing is built.
 */
export function unixPeerIndex(all: readonly SocketRecord[], wanted: readonly SocketRecord[] = all): UnixPeerIndex | null {
  if (!wanted.some((socket) => socket.peerInode !== null && socket.peerInode !== undefined)) return null;
  return madeByCollector.get(all) ?? new UnixPeerIndex(all);
}

/** The record at the other end of a connected unix socket, if it is in the inventory. */
export function unixPeerOf(socket: SocketRecord, index: UnixPeerIndex | null): SocketRecord | null {
  if (index === null || socket.peerInode === null || socket.peerInode === undefined) return null;
  return index.get(socket.peerInode);
}

/** `psql[123]`, `nginx[100,101]`, `no owner`: one entry per comm. */
export function ownerNames(owners: readonly SocketOwner[]): string {
  if (owners.length === 0) return 'no owner';
  const byComm = new Map<string, number[]>();
  for (const owner of owners) {
    const name = owner.comm ?? '?';
    const pids = byComm.get(name) ?? [];
    if (!pids.includes(owner.pid)) pids.push(owner.pid);
    byComm.set(name, pids);
  }
  return [...byComm].map(([name, pids]) => `${name}[${pids.join(',')}]`).join(', ');
}

/**
 * Both ends of a connected unix socket and the path they meet on (the server side's
 * accepted socket carries the listener's path; the client's end has none), or null when
 * the socket has no known peer.
 *
 * @example
 *   psql's end (pid 123, peer inode 9002) and postgres's accepted end (pid 456, inode 9002,
 *   path /var/run/postgresql/.s.PGSQL.5432)
 *     -> 'psql[123] <-> postgres[456] via /var/run/postgresql/.s.PGSQL.5432'
 *   peer inode 77 not in the inventory -> 'psql[123] <-> inode 77'
 */
export function unixPeerRelation(socket: SocketRecord, index: UnixPeerIndex | null): string | null {
  if (socket.peerInode === null || socket.peerInode === undefined) return null;
  const peer = unixPeerOf(socket, index);
  if (peer === null) return `${ownerNames(socket.owners)} <-> inode ${socket.peerInode}`;
  const path = socket.path ?? peer.path;
  return `${ownerNames(socket.owners)} <-> ${ownerNames(peer.owners)}${path === null ? '' : ` via ${path}`}`;
}
