import type { SocketRecord } from '../model/socket-record.js';
import type { InodeIndex } from './inode-index.js';
import { socketKey } from './socket-key.js';

/**
 * The positions (ascending) of records that list again a socket listed before them: the
 * same inode and key (which names the family). A sock_diag dump (and a /proc table read
 * in pieces) resumes each batch at a bucket and a count within it, so a socket added at
 * the head of a bucket between two batches moves the next one back and the dump meets a
 * socket twice. Left in, the second listing would be a socket of its own: "opened" in the
 * next diff, one socket too many in every count. An inode listed twice as two different
 * sockets (an SCTP socket in both eps and assocs: other keys) is kept.
 *
 * Only inodes the index holds more than once are looked at: none, on most runs.
 *
 * @example
 *   [tcp ESTAB 127.0.0.1:5000->127.0.0.1:41000 inode 77, unix inode 80, same tcp record inode 77]
 *     -> [2]
 */
export function relistedPositions(sockets: readonly SocketRecord[], byInode: InodeIndex): number[] {
  const relisted: number[] = [];
  for (const positions of byInode.repeatedInodes()) {
    const seen = new Set<string>();
    for (const position of positions) {
      const socket = sockets[position]!;
      // the key names the family (a unix path's shape is unix-only)
      const key = socketKey(socket);
      if (seen.has(key)) relisted.push(position);
      else seen.add(key);
    }
  }
  return relisted.sort((a, b) => a - b);
}
