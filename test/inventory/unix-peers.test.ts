import { describe, expect, it } from 'vitest';
import { InodeIndex } from '../../src/inventory/inode-index.js';
import { keepUnixPeerIndex, UnixPeerIndex, unixPeerIndex, unixPeerOf } from '../../src/inventory/unix-peers.js';
import { owner, socket } from '../diff/socket-builders.js';

describe('UnixPeerIndex', () => {
  // two ends of a connection (10 <-> 11), a tcp socket that shares an inode number with
  // nothing unix (12), and an end (13) held by sockaudit alone, which the collector leaves out
  const client = socket({ family: 'unix', type: 'stream', state: 'CONNECTED', inode: 10, peerInode: 11, owners: [owner(100, '/usr/bin/psql')] });
  const server = socket({ family: 'unix', type: 'stream', state: 'CONNECTED', inode: 11, peerInode: 10, owners: [owner(200, '/usr/bin/postgres')] });
  const tcp = socket({ family: 'tcp', inode: 12 });
  const ours = socket({ family: 'unix', type: 'stream', state: 'CONNECTED', inode: 13, peerInode: 14, owners: [owner(300, '/usr/bin/sockaudit')] });
  const toOurs = socket({ family: 'unix', type: 'stream', state: 'CONNECTED', inode: 14, peerInode: 13, owners: [owner(400, '/usr/bin/journald')] });
  const all = [client, server, tcp, ours, toOurs];

  it("over an index of every family (the collector's), finds unix records alone", () => {
    const index = new UnixPeerIndex(all, new InodeIndex(all.map((record) => record.inode)));
    expect(index.get(11)).toBe(server);
    expect(index.get(10)).toBe(client);
    expect(index.get(12)).toBeNull(); // a tcp socket is no unix peer
    expect(index.get(99)).toBeNull();
  });

  it("does not give a record the collector left out (sockaudit's own) as anyone's peer", () => {
    const kept = all.filter((record) => record !== ours);
    const index = new UnixPeerIndex(all, new InodeIndex(all.map((record) => record.inode)), new Set([ours]));
    expect(unixPeerOf(toOurs, index)).toBeNull();
    expect(unixPeerOf(client, index)).toBe(server);
    // as an index of the kept records alone would say
    expect(unixPeerOf(toOurs, new UnixPeerIndex(kept))).toBeNull();
  });

  it("is the collector's for the sockets it returned, and made afresh for any other array", () => {
    const kept = all.filter((record) => record !== ours);
    const made = new UnixPeerIndex(all, new InodeIndex(all.map((record) => record.inode)), new Set([ours]));
    keepUnixPeerIndex(kept, made);
    expect(unixPeerIndex(kept)).toBe(made);
    const copy = [...kept];
    const fresh = unixPeerIndex(copy);
    expect(fresh).not.toBe(made);
    expect(fresh?.get(11)).toBe(server);
    // nothing with a peer: no index at all
    expect(unixPeerIndex([tcp])).toBeNull();
  });
});
