import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Inventory, SocketOwner, SocketRecord } from '../../src/model/socket-record.js';
import { nativeAddon } from '../../src/native/native-addon.js';
import { canonicalFields, canonicalSocket, sortOwners, versionDigest } from '../../src/store/canonical-socket.js';
import { contentFields } from '../../src/store/version-record.js';
import { versionDigests } from '../../src/store/version-digests.js';
import { orderSockets, readSnapshot } from '../../src/store/read-snapshot.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { describeEachBackend, tempStore } from './temp-store.js';

/** What a stored snapshot reads back as: queues are not stored, owners come sorted. */
function expectedInventory(inventory: Inventory, host: string): Inventory {
  return {
    meta: { ...inventory.meta, host },
    sockets: inventory.sockets
      .map((socket) => ({ ...socket, recvQueue: null, sendQueue: null, owners: sortOwners(socket.owners) }))
      .sort(orderSockets),
    warnings: inventory.warnings,
  };
}

const OWNERS: SocketOwner[] = [
  makeOwner({ pid: 100, fd: 3 }),
  makeOwner({ pid: 100, fd: 7 }),
  makeOwner({ pid: 2, fd: 12, comm: 'nginx', exe: '/usr/sbin/nginx', cmdline: 'nginx: worker "process" \u00e9\u0001', uid: 33, user: 'www-data' }),
  makeOwner({ pid: 2, fd: 5, comm: null, exe: null, cmdline: null, uid: null, user: null }),
  // same pid as above with another exe: pid reuse after a restart
  makeOwner({ pid: 2, fd: 5, comm: 'other', exe: '/usr/bin/other (deleted)', cmdline: '', uid: 0, user: 'root' }),
];

/** A small pool of base sockets, so that consecutive inventories overlap. */
const BASES: SocketRecord[] = [
  makeRecord({ inode: 11 }),
  makeRecord({ inode: 12, ipVersion: 6, localAddress: '::', remoteAddress: '::', localPort: 80 }),
  makeRecord({ inode: 19, ipVersion: 6, localAddress: '::', remoteAddress: null, remotePort: null, localPort: 9101, v6only: false, v6onlySource: 'socket' }),
  makeRecord({ inode: 20, family: 'udp', state: 'UNCONN', ipVersion: 6, localAddress: '::', remoteAddress: null, remotePort: null, localPort: 5353, v6only: true, v6onlySource: 'inferred' }),
  makeRecord({ inode: 13, state: 'ESTABLISHED', localAddress: '10.0.0.1', remoteAddress: '10.0.0.2', remotePort: 40000, exposure: 'specific' }),
  makeRecord({ inode: 0, state: 'TIME_WAIT', localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', remotePort: 40001, exposure: 'loopback' }),
  makeRecord({ inode: 14, family: 'udp', state: 'UNCONN', localPort: 53, netns: 4026532999, netnsName: 'ctr' }),
  makeRecord({ inode: 15, family: 'unix', ipVersion: null, type: 'stream', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path: '/run/a b\nc.sock', exposure: null }),
  makeRecord({ inode: 16, family: 'unix', ipVersion: null, type: 'dgram', state: 'UNCONN', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path: null, exposure: null }),
  makeRecord({ inode: 17, family: 'packet', ipVersion: null, type: 'raw', protocol: 3, state: 'UNCONN', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, interface: 'eth0', exposure: null }),
  makeRecord({ inode: 21, localPort: 6379, netns: 4026532300, netnsName: 'container redis-1', container: { runtime: 'docker', id: 'a'.repeat(64), name: 'redis-1', image: 'redis:7', podName: null, podNamespace: null } }),
  makeRecord({ inode: 22, ipVersion: 6, localAddress: '::', remoteAddress: null, remotePort: null, localPort: 80, v6only: false, v6onlySource: 'socket', netns: 4026532301, netnsName: 'pod default/web-7d9f', container: { runtime: 'containerd', id: 'b'.repeat(64), name: 'nginx', image: null, podName: 'web-7d9f', podNamespace: 'default' } }),
  makeRecord({ inode: 23, localPort: 8080, publishedTo: { container: 'web', address: '172.17.0.2', port: 80 } }),
  makeRecord({ inode: 18, family: 'netlink', ipVersion: null, protocol: 0, state: 'UNCONN', localAddress: null, localPort: 4321, remoteAddress: null, remotePort: null, exposure: null, uid: null }),
];

const socketArb = fc
  .record({
    base: fc.nat(BASES.length - 1),
    state: fc.constantFrom(null, 'LISTEN', 'CLOSE', 'ESTABLISHED'),
    owners: fc.subarray(OWNERS),
    uid: fc.constantFrom(0, 1000, null),
    inodeShift: fc.constantFrom(0, 0, 0, 1000),
    recvQueue: fc.nat(5),
  })
  .map(({ base, state, owners, uid, inodeShift, recvQueue }): SocketRecord => {
    const record = BASES[base]!;
    return {
      ...record,
      state: state ?? record.state,
      // owners in collection order, not sorted: the store must sort them
      owners: owners.slice().reverse(),
      uid,
      inode: record.inode === 0 ? 0 : record.inode + inodeShift,
      recvQueue,
      sendQueue: recvQueue + 1,
    };
  });

const inventoryArb = fc
  .record({
    sockets: fc.array(socketArb, { maxLength: 14 }),
    bootId: fc.constantFrom('boot-a', 'boot-a', 'boot-a', 'boot-b', null),
    warnings: fc.array(fc.record({ code: fc.constantFrom('pid-vanished', 'permission-denied'), message: fc.string(), count: fc.nat(9) }), { maxLength: 2 }),
    label: fc.option(fc.constantFrom('pre', 'post', 'x y'), { nil: undefined }),
    minute: fc.nat(59),
  })
  .map(({ sockets, bootId, warnings, label, minute }) => {
    const inventory = makeInventory(sockets, { bootId, takenAt: `2026-11-25T12:${String(minute).padStart(2, '0')}:00.000Z` });
    inventory.warnings = warnings;
    return { inventory, label };
  });

describe('canonicalFields', () => {
  it("is the version's content fields, then the owners (stored digests depend on it)", () => {
    fc.assert(
      fc.property(socketArb, (socket) => {
        const fields = canonicalFields(socket);
        const content = contentFields(socket);
        // 16 fields, 18 with v6only and its source when v6only is known, 20 with a container or target
        expect(content).toHaveLength(socket.container !== null || socket.publishedTo !== null ? 20 : socket.v6only === null ? 16 : 18);
        expect(fields.slice(0, -1)).toEqual(content);
        expect(fields.at(-1)).toEqual(socket.owners.map((owner) => [owner.pid, owner.fd, owner.comm, owner.exe, owner.cmdline, owner.uid, owner.user]));
        expect(fields).toHaveLength(content.length + 1);
      }),
    );
  });
});

describe('versionDigests', () => {
  it.skipIf(nativeAddon === null)('gives each socket versionDigest(canonicalSocket()), hashed by the addon from one JSON text', async () => {
    // strings that test the addon's splitting of that text: brackets, quotes and backslashes
    // inside strings, text beyond ASCII and a lone surrogate (U+FFFD in UTF-8, as crypto.hash has it)
    const awkward = makeRecord({ inode: 99, family: 'unix', path: '/run/[a]"b\\c],[d\u00e9\ud800.sock', owners: [makeOwner({ cmdline: 'x "]" \\" [' })] });
    await fc.assert(
      fc.asyncProperty(fc.array(socketArb, { maxLength: 30 }), async (generated) => {
        const sockets = [...generated, awkward].map((socket) => ({ ...socket, owners: sortOwners(socket.owners) }));
        const expected = sockets.map((socket) => versionDigest(canonicalSocket(socket)));
        expect(await versionDigests(sockets)).toEqual(expected);
        expect(await versionDigests(sockets, null)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
    expect(await versionDigests([])).toEqual([]);
  });

  it.skipIf(nativeAddon === null)('keeps the order across the several calls a large snapshot takes', async () => {
    const sockets = Array.from({ length: 4567 }, (_, i) => makeRecord({ inode: 1000 + i, localPort: i % 65536, owners: i % 3 === 0 ? [] : [makeOwner({ fd: i })] }));
    expect(await versionDigests(sockets)).toEqual(sockets.map((socket) => versionDigest(canonicalSocket(socket))));
  });

  it.skipIf(nativeAddon === null)('the addon rejects text that is not a JSON array of arrays', async () => {
    for (const text of ['', '[', '{}', '[1]', '[[1],', '[["]]']) await expect(nativeAddon!.digestJsonElements(text)).rejects.toThrow(/not a JSON array of arrays/);
  });
});

describeEachBackend('writeSnapshot then readSnapshot', (backend) => {
  it('reads back every snapshot of a generated history exactly as stored (queues aside), and verify passes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(inventoryArb, { minLength: 1, maxLength: 8 }), async (history) => {
        const { store, cleanup } = await tempStore(backend);
        try {
          const ids: number[] = [];
          for (const { inventory, label } of history) {
            const summary = await writeSnapshot(store, inventory, { host: 'h1', label: label ?? null });
            expect(summary.socketCount).toBe(inventory.sockets.length);
            ids.push(summary.id);
          }
          // read after the whole history, so later writes cannot have disturbed earlier snapshots
          for (const [index, { inventory }] of history.entries()) {
            expect(await readSnapshot(store, ids[index]!)).toEqual(expectedInventory(inventory, 'h1'));
          }
          expect((await verifyStore(store)).problems).toEqual([]);
        } finally {
          await cleanup();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps two hosts apart in one database', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      const a = makeInventory([makeRecord({ inode: 1 })]);
      const b = makeInventory([makeRecord({ inode: 2, localPort: 443 })]);
      const idA = (await writeSnapshot(store, a, { host: 'a' })).id;
      const idB = (await writeSnapshot(store, b, { host: 'b' })).id;
      const idA2 = (await writeSnapshot(store, a, { host: 'a' })).id;
      expect((await readSnapshot(store, idA)).sockets.map((s) => s.inode)).toEqual([1]);
      expect((await readSnapshot(store, idB)).sockets.map((s) => s.inode)).toEqual([2]);
      expect((await readSnapshot(store, idA2)).sockets.map((s) => s.inode)).toEqual([1]);
      expect((await verifyStore(store)).problems).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
