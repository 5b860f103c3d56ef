import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/open-store.js';
import { getSnapshotRow, readSnapshotOf, readSnapshotPair } from '../../src/store/read-snapshot.js';
import { sortSockets } from '../../src/store/socket-order.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { describeEachBackend, tempStore } from './temp-store.js';

describeEachBackend('readSnapshotPair', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const ids: number[] = [];

  beforeAll(async () => {
    ({ store, cleanup } = await tempStore(backend));
    const steady = makeRecord({ inode: 1, owners: [makeOwner()] });
    const history = [
      [steady, makeRecord({ localPort: 80, inode: 2 })],
      [steady, makeRecord({ localPort: 80, inode: 2, state: 'CLOSE' }), makeRecord({ localPort: 443, inode: 3 })],
      [steady, makeRecord({ localPort: 8080, inode: 4 })],
      [steady, makeRecord({ localPort: 8080, inode: 4 }), makeRecord({ family: 'unix', path: '/run/x.sock', inode: 5, localAddress: null, localPort: null, remoteAddress: null, remotePort: null, exposure: null })],
    ];
    for (const sockets of history) ids.push((await writeSnapshot(store, makeInventory(sockets), { host: 'testhost' })).id);
  });
  afterAll(async () => cleanup());

  it.each([
    [0, 3],
    [3, 0],
    [1, 2],
    [2, 2],
  ])('reads snapshots #%i and #%i as two separate reads do, in no particular order', async (a, b) => {
    const [from, to] = [await getSnapshotRow(store, ids[a]!), await getSnapshotRow(store, ids[b]!)];
    const [before, after] = await readSnapshotPair(store, from, to);
    const separately = [await readSnapshotOf(store, from), await readSnapshotOf(store, to)];
    for (const [pairRead, single] of [[before, separately[0]!], [after, separately[1]!]] as const) {
      expect({ ...pairRead, sockets: [] }).toEqual({ ...single, sockets: [] });
      expect(sortSockets(pairRead.sockets)).toEqual(single.sockets);
    }
  });

  it('shares the record of a version alive in both', async () => {
    const [before, after] = await readSnapshotPair(store, await getSnapshotRow(store, ids[0]!), await getSnapshotRow(store, ids[3]!));
    const steadyBefore = before.sockets.find((socket) => socket.inode === 1);
    expect(steadyBefore).toBeDefined();
    expect(after.sockets.find((socket) => socket.inode === 1)).toBe(steadyBefore);
    // a version of an intermediate snapshot only is in neither
    expect([...before.sockets, ...after.sockets].some((socket) => socket.inode === 3)).toBe(false);
  });
});
