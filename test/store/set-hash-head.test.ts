import { describe, expect, it } from 'vitest';
import { SetHash } from '../../src/store/set-hash.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { describeEachBackend, rawQuery, rawStatement, tempStore, type BackendName } from './temp-store.js';

const inventory = (step: number) =>
  makeInventory(
    [
      makeRecord({ inode: 1, owners: [makeOwner()] }),
      makeRecord({ inode: 100 + step, localPort: 8000 + step, state: 'ESTABLISHED', owners: [makeOwner({ pid: 200, fd: 5 + step })] }),
      // two equal sockets: the set is a multiset
      makeRecord({ inode: 0, localPort: 443, state: 'TIME_WAIT' }),
      makeRecord({ inode: 0, localPort: 443, state: 'TIME_WAIT' }),
    ],
    { takenAt: `2026-11-${String(10 + step).padStart(2, '0')}T00:00:00.000Z` },
  );

async function headAndOpenDigests(backend: BackendName, file: string): Promise<{ snapshotId: number; state: Buffer; open: string[] }> {
  const [head] = await rawQuery<{ snapshot_id: number; state: Buffer }>(backend, file, 'select snapshot_id, state from set_hash_heads');
  const open = (await rawQuery<{ digest: string }>(backend, file, 'select digest from socket_versions where closed_in is null')).map((row) => row.digest);
  return { snapshotId: head!.snapshot_id, state: head!.state, open };
}

describeEachBackend('the set hash head (set_hash_heads)', (backend) => {
  it('holds the set of the latest snapshot after each write', async () => {
    const { store, file, cleanup } = await tempStore(backend);
    try {
      for (let step = 0; step < 4; step++) {
        const written = await writeSnapshot(store, inventory(step), { host: 'h' });
        const head = await headAndOpenDigests(backend, file);
        expect(head.snapshotId).toBe(written.id);
        expect(head.open.length).toBe(4);
        expect(new SetHash(head.state).digest()).toBe(SetHash.of(head.open).digest());
      }
      expect(await verifyStore(store)).toMatchObject({ hosts: 1, snapshots: 4, problems: [] });
    } finally {
      await cleanup();
    }
  });

  // [what, SQL]
  const zeros = (bytes: number) => (backend === 'sqlite' ? `zeroblob(${bytes})` : `decode(repeat('00', ${bytes}), 'hex')`);
  const damages: [string, string][] = [
    ['zeroed', `update set_hash_heads set state = ${zeros(2048)}`],
    ['truncated', `update set_hash_heads set state = ${zeros(10)}`],
    ['deleted', 'delete from set_hash_heads'],
    ['naming an older snapshot', 'update set_hash_heads set snapshot_id = snapshot_id - 1'],
  ];
  for (const [what, statement] of damages) {
    it(`is rebuilt, not trusted, when ${what}: the next snapshot still verifies`, async () => {
      const { store, file, cleanup } = await tempStore(backend);
      try {
        for (let step = 0; step < 2; step++) await writeSnapshot(store, inventory(step), { host: 'h' });
        expect(await rawStatement(backend, file, statement)).toBe(1);
        await writeSnapshot(store, inventory(2), { host: 'h' });
        await writeSnapshot(store, inventory(3), { host: 'h' });
        expect(await verifyStore(store)).toMatchObject({ hosts: 1, snapshots: 4, problems: [] });
      } finally {
        await cleanup();
      }
    });
  }
});
