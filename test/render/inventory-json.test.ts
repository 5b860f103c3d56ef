import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { memoryIo } from '../../src/io.js';
import { SOCKETS_PER_CHUNK, writeInventoryJson } from '../../src/render/inventory-json.js';
import type { SocketRecord } from '../../src/model/socket-record.js';
import { inventory, owner, socket } from '../diff/socket-builders.js';
import { REPO_ROOT } from '../helpers/live.js';

describe('writeInventoryJson', () => {
  const chunk = SOCKETS_PER_CHUNK;
  it.each([0, 1, chunk - 1, chunk, chunk + 1, 22 * chunk + 7])('writes exactly JSON.stringify of the inventory for %i sockets', async (count) => {
    const inventory = await collectInventory({ procRoot: path.join(REPO_ROOT, 'fixtures/proc/sockload-1k') });
    const many = Array.from({ length: count }, (_, i) => inventory.sockets[i % inventory.sockets.length]!);
    const io = memoryIo();
    await writeInventoryJson({ ...inventory, sockets: many }, io);
    expect(io.out).toBe(JSON.stringify({ meta: inventory.meta, sockets: many, warnings: inventory.warnings }) + '\n');
  });
});

describe('writeInventoryJson with unix peers', () => {
  // two ends of a connection (inodes 10 and 11, each the other's peer), one end whose peer is
  // not in the inventory (12 -> 99), and a listener without a peer
  const client = socket({ family: 'unix', type: 'stream', state: 'CONNECTED', inode: 10, peerInode: 11, owners: [owner(100, '/usr/bin/psql')] });
  const server = socket({ family: 'unix', type: 'stream', state: 'CONNECTED', inode: 11, peerInode: 10, path: '/run/pg.sock', owners: [owner(200, '/usr/lib/postgresql/bin/postgres'), owner(201, '/usr/lib/postgresql/bin/postgres')] });
  const orphan = socket({ family: 'unix', type: 'stream', state: 'CONNECTED', inode: 12, peerInode: 99, owners: [] });
  const listener = socket({ family: 'unix', type: 'stream', state: 'LISTEN', inode: 13, path: '/run/pg.sock' });

  it('gives each connected socket its peer owners, after peerInode, and leaves the records as they were', async () => {
    const sockets = [client, server, orphan, listener];
    const before = sockets.map((record) => ({ keys: Object.keys(record), json: JSON.stringify(record) }));
    const io = memoryIo();
    await writeInventoryJson(inventory(sockets), io);
    const project = (record: SocketRecord) => record.owners.map((o) => ({ pid: o.pid, fd: o.fd, comm: o.comm, exe: o.exe }));
    const expected = [
      { ...client, peerOwners: project(server) },
      { ...server, peerOwners: project(client) },
      { ...orphan, peerOwners: [] },
      listener,
    ];
    expect(io.out).toBe(JSON.stringify({ meta: inventory(sockets).meta, sockets: expected, warnings: [] }) + '\n');
    const written = JSON.parse(io.out).sockets as Record<string, unknown>[];
    expect(Object.keys(written[0]!).at(-1)).toBe('peerOwners');
    expect(written[3]).not.toHaveProperty('peerOwners');
    // lent for the write alone: no record keeps peerOwners, and none changed
    expect(sockets.map((record) => ({ keys: Object.keys(record), json: JSON.stringify(record) }))).toEqual(before);
  });
});
