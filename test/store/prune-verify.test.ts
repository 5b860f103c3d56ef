import { describe, expect, it } from 'vitest';
import { listSnapshots } from '../../src/store/list-snapshots.js';
import { pruneSnapshots } from '../../src/store/prune-snapshots.js';
import { readSnapshot } from '../../src/store/read-snapshot.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { insertWatchEvents, readWatchEvents } from '../../src/store/watch-events.js';
import type { WatchEvent } from '../../src/model/watch-event.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import type { Store } from '../../src/store/open-store.js';
import type { Inventory } from '../../src/model/socket-record.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { describeEachBackend, rawStatement, tempStore } from './temp-store.js';

/** Six snapshots in which sockets open, change and close at different points. */
async function writeHistory(store: Store): Promise<{ ids: number[]; inventories: Inventory[] }> {
  const steady = makeRecord({ inode: 1, owners: [makeOwner()] });
  const inventories = [0, 1, 2, 3, 4, 5].map((step) =>
    makeInventory(
      [
        steady,
        makeRecord({ inode: 100 + Math.floor(step / 2), localPort: 8000 + Math.floor(step / 2), owners: [makeOwner({ pid: 300 + step, fd: 5 })] }),
        ...(step % 3 === 0 ? [makeRecord({ inode: 50, localPort: 9000, state: step === 3 ? 'CLOSE' : 'LISTEN' })] : []),
      ],
      { takenAt: `2026-11-${String(10 + step).padStart(2, '0')}T00:00:00.000Z` },
    ),
  );
  const ids: number[] = [];
  for (const inventory of inventories) ids.push((await writeSnapshot(store, inventory, { host: 'h' })).id);
  return { ids, inventories };
}

describeEachBackend('verifyStore', (backend) => {
  it('passes on an intact database', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      await writeHistory(store);
      expect(await verifyStore(store)).toMatchObject({ hosts: 1, snapshots: 6, ...(backend === 'sqlite' ? { check: 'integrity_check', witness: { state: 'none' } } : { check: 'references', witness: { state: 'server' } }), problems: [] });
    } finally {
      await cleanup();
    }
  });

  // [what, SQL, first bad snapshot, a message about it]
  const tamperings: [string, string, number, RegExp][] = [
    ['a socket state', "update socket_versions set content = replace(content, '\"LISTEN\"', '\"ESTABLISHED\"') where local_port = 22", 1, /snapshot 1 does not match its content hash/],
    ['an owner process', "update processes set exe = '/tmp/evil' where pid = 100", 1, /snapshot 1 does not match/],
    ['a closed_in', 'update socket_versions set closed_in = null where local_port = 8000', 2, /snapshot 2 has 3 sockets stored but recorded 2/],
    ['a deleted version', 'delete from socket_versions where local_port = 8002', 5, /snapshot 5 has 1 sockets stored but recorded 2/],
    ['a snapshot label', "update snapshots set label = 'forged' where id = 2", 2, /snapshot 2 does not match/],
    ['a deleted snapshot in the middle', 'delete from snapshots where id = 4', 5, /snapshot 5 does not chain/],
    ['a stored digest', "update socket_versions set digest = 'AAAAAAAAAAAAAAAA' where local_port = 8001", 3, /socket version \d+ \(opened in snapshot 3\) does not match its stored digest/],
    ['a stored hash', "update snapshots set content_hash = 'ab' || substr(content_hash, 3) where id = 3", 3, /snapshot 3 does not match/],
  ];
  for (const [what, statement, firstBad, message] of tamperings) {
    it(`fails, naming the first bad snapshot, after tampering with ${what}`, async () => {
      const { store, file, cleanup } = await tempStore(backend);
      try {
        await writeHistory(store);
        expect(await rawStatement(backend, file, statement)).toBeGreaterThan(0);
        const result = await verifyStore(store);
        expect(result.problems.length).toBeGreaterThan(0);
        // SQLite's own checks come first and name no snapshot (a dangling reference, here)
        expect(result.problems.find((problem) => problem.snapshotId !== null)?.snapshotId).toBe(firstBad);
        expect(result.problems.map((problem) => problem.message).join('\n')).toMatch(message);
      } finally {
        await cleanup();
      }
    });
  }
});

describeEachBackend('pruneSnapshots', (backend) => {
  it('keeps the newest N, each still reading back as stored, and verify passing', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      const { ids, inventories } = await writeHistory(store);
      const before = await Promise.all(ids.map((id) => readSnapshot(store, id)));
      const result = await pruneSnapshots(store, 'h', { keep: 2 });
      expect(result).toMatchObject({ removedSnapshots: 4, keptSnapshots: 2, oldestKept: ids[4] });
      expect(result.removedVersions).toBeGreaterThan(0);
      expect((await listSnapshots(store, 'h')).map((row) => row.id)).toEqual([ids[5], ids[4]]);
      expect(await readSnapshot(store, ids[4]!)).toEqual(before[4]);
      expect(await readSnapshot(store, ids[5]!)).toEqual(before[5]);
      expect(inventories[5]!.sockets).toHaveLength(2);
      expect((await verifyStore(store)).problems).toEqual([]);
      // nothing left that no kept snapshot uses
      const versions = await store.db.selectFrom('socket_versions').select('local_port').execute();
      // port 8002 has two versions (owner pid 304, then 305), both alive in a kept snapshot
      expect(versions.map((row) => row.local_port).sort()).toEqual([22, 8002, 8002]);
      const processes = await store.db.selectFrom('processes').select('pid').orderBy('pid').execute();
      expect(processes.map((row) => row.pid)).toEqual([100, 304, 305]);
      // and the next snapshot still compares with what is left
      const next = await writeSnapshot(store, inventories[5]!, { host: 'h' });
      expect(next.written).toEqual({ opened: 0, closed: 0 });
      expect((await verifyStore(store)).problems).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('removes snapshots taken before a time, but never the newest', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      const { ids } = await writeHistory(store);
      const result = await pruneSnapshots(store, 'h', { olderThan: '2026-11-13T00:00:00.000Z' });
      expect(result.removedSnapshots).toBe(3);
      expect((await listSnapshots(store, 'h')).map((row) => row.id)).toEqual([ids[5], ids[4], ids[3]]);
      expect((await verifyStore(store)).problems).toEqual([]);
      const all = await pruneSnapshots(store, 'h', { olderThan: '2030-01-01T00:00:00.000Z' });
      expect(all).toMatchObject({ removedSnapshots: 2, keptSnapshots: 1, oldestKept: ids[5] });
      expect((await verifyStore(store)).problems).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it("deletes the watch events of the pruned part of the history: those tied to a removed snapshot, or seen before the first", async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      const event = (port: number): WatchEvent => ({
        kind: 'short-lived',
        at: `2026-11-20T00:00:${String(port % 60).padStart(2, '0')}.000Z`,
        source: 'destroy',
        socket: makeRecord({ inode: 0, localPort: port, remoteAddress: '127.0.0.1', remotePort: 40000 + port, state: 'CLOSE', owners: [] }),
        openedAfter: null,
        openedBy: null,
        closedAfter: null,
        closedBy: null,
        lost: null,
        netns: null,
      });
      await insertWatchEvents(store, 'h', [event(1)]); // before any snapshot: after_snapshot null
      const ids: number[] = [];
      for (const step of [0, 1, 2, 3]) {
        const inventory = makeInventory([makeRecord({ inode: 1, owners: [makeOwner()] })], { takenAt: `2026-11-1${step}T00:00:00.000Z` });
        ids.push((await writeSnapshot(store, inventory, { host: 'h' })).id);
        await insertWatchEvents(store, 'h', [event(10 + step), event(20 + step)]); // seen after snapshot `step`
      }
      const result = await pruneSnapshots(store, 'h', { keep: 2 });
      expect(result).toMatchObject({ removedSnapshots: 2, oldestKept: ids[2], removedEvents: 5 });
      const left = await readWatchEvents(store, { host: 'h' });
      expect(left.map((stored) => stored.socket?.localPort)).toEqual([12, 22, 13, 23]);
      expect(left.map((stored) => stored.afterSnapshot)).toEqual([ids[2], ids[2], ids[3], ids[3]]);
      expect((await verifyStore(store)).problems).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('does nothing for an unknown host', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      expect(await pruneSnapshots(store, 'nobody', { keep: 1 })).toMatchObject({ removedSnapshots: 0 });
    } finally {
      await cleanup();
    }
  });
});
