import type { CommandIo } from '../io.js';
import { unixPeerIndex, unixPeerOf, type UnixPeerIndex } from '../inventory/unix-peers.js';
import type { Inventory, SocketRecord } from '../model/socket-record.js';

/**
 * Sockets per chunk: about 100 KB of JSON. Large enough to amortise the call and the
 * write; small enough that each chunk's strings and write buffer stay below V8's
 * large-object size and malloc's mmap threshold, so they reuse memory already mapped.
 * At 2,000 per chunk (1 MB) every chunk mapped fresh pages three times over (the string,
 * its flattened copy, the UTF-8 buffer): 20 ms more at 50,000 sockets, and 35,000 page
 * faults in the run.
 */
export const SOCKETS_PER_CHUNK = 200;

/**
 * Writes `{ "meta", "sockets", "warnings" }`, the JSON contract of collect --json and
 * show --json: the same text as JSON.stringify of that object plus a newline, but in
 * chunks, waiting for stdout to drain between them. A 50,000-socket inventory is 20 MB
 * of JSON, which need not exist in memory at once.
 *
 * A unix socket with a known peer (`peerInode`) gets `peerOwners` too: the owners (pid,
 * fd, comm, exe) of the socket at the other end, looked up in `peersFrom` (every socket of
 * the inventory, though the sockets written may be filtered); [] when no process holds it
 * or it is not in the inventory.
 */
export async function writeInventoryJson(inventory: Inventory, io: CommandIo, options: { peersFrom?: readonly SocketRecord[] } = {}): Promise<void> {
  const peers = unixPeerIndex(options.peersFrom ?? inventory.sockets, inventory.sockets);
  const sockets = peers === null ? inventory.sockets : inventory.sockets.map((socket) => withPeerOwners(socket, peers));
  io.stdout(`{"meta":${JSON.stringify(inventory.meta)},"sockets":[`);
  for (let start = 0; start < sockets.length; start += SOCKETS_PER_CHUNK) {
    // one stringify call per chunk (its brackets cut off): faster than one per socket
    const chunk = JSON.stringify(sockets.slice(start, start + SOCKETS_PER_CHUNK));
    io.stdout((start === 0 ? '' : ',') + chunk.slice(1, -1));
    await io.drained();
  }
  io.stdout(`],"warnings":${JSON.stringify(inventory.warnings)}}\n`);
}

function withPeerOwners(socket: SocketRecord, peers: UnixPeerIndex): SocketRecord | (SocketRecord & { peerOwners: object[] }) {
  if (socket.peerInode === null || socket.peerInode === undefined) return socket;
  const peer = unixPeerOf(socket, peers);
  return { ...socket, peerOwners: (peer?.owners ?? []).map((owner) => ({ pid: owner.pid, fd: owner.fd, comm: owner.comm, exe: owner.exe })) };
}
