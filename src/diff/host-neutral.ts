import { createHash } from 'node:crypto';
import { HOST_EMPTIED_FIELDS, recordField } from '../model/record-fields.js';
import type { Inventory, NamespaceInfo, SocketRecord } from '../model/socket-record.js';

/** Fields the table marks `hostNeutral: 'empty'` (inode, peerInode), with the value they become. */
const HOST_EMPTIED = HOST_EMPTIED_FIELDS.map((name) => ({ name, empty: recordField(name).empty }));

/**
 * An inventory without what only means something on its own host, so that two hosts'
 * snapshots can be diffed with the same classification as two moments of one host
 * (`diff --host A --to-host B`): socket inodes (and peer inodes: the table's `hostNeutral`,
 * record-fields.ts) become empty, owner pids and fds 0, and network
 * namespaces are numbered by their name instead of their inode (the host's own namespace,
 * `host`, is the same on both; other namespaces match where their names do). What a socket is (family, addresses,
 * ports, path, state, exposure) and who owns it (exe, comm, user, command line) stay.
 *
 * @example a listener 0.0.0.0:443 of nginx (pid 812, inode 53421) in netns 4026531840 "host"
 *   -> the same record with inode 0, owner pid 0 and fd 0, netns 1
 */
export function hostNeutral(inventory: Inventory): Inventory {
  const netnsByInode = new Map<number, number>();
  const neutralNetns = (inode: number, name: string): number => {
    const known = netnsByInode.get(inode);
    if (known !== undefined) return known;
    const neutral = name === 'host' ? 1 : namespaceNumber(name);
    netnsByInode.set(inode, neutral);
    return neutral;
  };
  const namespaces: NamespaceInfo[] = inventory.meta.namespaces.map((ns) => ({ ...ns, inode: neutralNetns(ns.inode, ns.name), readerPid: 0 }));
  const sockets: SocketRecord[] = inventory.sockets.map((socket) => {
    const neutral: SocketRecord = { ...socket, netns: neutralNetns(socket.netns, socket.netnsName), owners: socket.owners.map((owner) => ({ ...owner, pid: 0, fd: 0 })) };
    for (const { name, empty } of HOST_EMPTIED) (neutral as unknown as Record<string, unknown>)[name] = empty;
    return neutral;
  });
  return { ...inventory, meta: { ...inventory.meta, namespaces }, sockets };
}

/** A namespace name as a number well above any inode, the same on every host. */
function namespaceNumber(name: string): number {
  return 2 ** 40 + createHash('sha256').update(name).digest().readUIntBE(0, 6) % 2 ** 40;
}
