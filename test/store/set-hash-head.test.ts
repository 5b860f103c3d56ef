import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SetHash } from '../../src/store/set-hash.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { tempStore } from './temp-store.js';

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

function headAndOpenDigests(file: string): { snapshotId: number; state: Buffer; open: string[] } {
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    const head = raw.prepare('select snapshot_id, state from set_hash_heads').get() as { snapshot_id: number; state: Buffer };
    const open = (raw.prepare('select digest from socket_versions where closed_in is null').all() as { digest: string }[]).map((row) => row.digest);
    return { snapshotId: head.snapshot_id, state: head.state, open };
  } finally {
    raw.close();
  }
}

describe('the set hash head (set_hash_heads)', () => {
  it('holds the set of the latest snapshot after each write', async () => {
    const { store, file, cleanup } = await tempStore();
    try {
      for (let step = 0; step < 4; step++) {
        const written = await writeSnapshot(store, inventory(step), { host: 'h' });
        const head = headAndOpenDigests(file);
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
  const damages: [string, string][] = [
    ['zeroed', 'update set_hash_heads set state = zeroblob(2048)'],
    ['truncated', 'update set_hash_heads set state = zeroblob(10)'],
    ['deleted', 'delete from set_hash_heads'],
    ['naming an older snapshot', 'update set_hash_heads set snapshot_id = snapshot_id - 1'],
  ];
  for (const [what, statement] of damages) {
    it(`is rebuilt, not trusted, when ${what}: the next snapshot still verifies`, async () => {
      const { store, file, cleanup } = await tempStore();
      try {
        for (let step = 0; step < 2; step++) await writeSnapshot(store, inventory(step), { host: 'h' });
        const raw = new BetterSqlite3(file);
        raw.pragma('foreign_keys = OFF');
        expect(raw.prepare(statement).run().changes).toBe(1);
        raw.close();
        await writeSnapshot(store, inventory(2), { host: 'h' });
        await writeSnapshot(store, inventory(3), { host: 'h' });
        expect(await verifyStore(store)).toMatchObject({ hosts: 1, snapshots: 4, problems: [] });
      } finally {
        await cleanup();
      }
    });
  }
});
