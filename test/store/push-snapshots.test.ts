/**
 * push: a host's local SQLite history shipped into a central store (PostgreSQL, and a
 * second SQLite file, from the same tests), idempotent, resumable, and refusing a history
 * that forks from or falls behind what the central store has.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/open-store.js';
import { openStore } from '../../src/store/open-store.js';
import { listSnapshots } from '../../src/store/list-snapshots.js';
import { pruneSnapshots } from '../../src/store/prune-snapshots.js';
import { pushSnapshots } from '../../src/store/push-snapshots.js';
import { readSnapshot } from '../../src/store/read-snapshot.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { describeEachBackend, tempDir, tempStore } from './temp-store.js';

/** Snapshots `from`..`to` of a host whose sockets come and go, one step each. */
export async function writeSteps(store: Store, host: string, from: number, to: number, seed = 0): Promise<void> {
  for (let step = from; step < to; step++) {
    const sockets = [
      makeRecord({ inode: 1, localPort: 22, owners: [makeOwner({ pid: 10 })] }),
      makeRecord({ inode: 1000 + seed * 100 + (step % 7), localPort: 8000 + (step % 7), owners: [makeOwner({ pid: 200 + step })] }),
      ...(step % 3 === 0 ? [makeRecord({ inode: 50, localPort: 9000 + seed })] : []),
    ];
    const takenAt = new Date(Date.UTC(2026, 10, 1) + step * 60_000).toISOString();
    await writeSnapshot(store, makeInventory(sockets, { takenAt, host }), { host, label: step === 2 ? `step-${seed}` : null });
  }
}

async function hashes(store: Store, host: string): Promise<string[]> {
  return (await listSnapshots(store, host)).reverse().map((row) => row.contentHash);
}

async function localStore(): Promise<{ store: Store; file: string; cleanup: () => Promise<void> }> {
  return tempStore('sqlite');
}

describeEachBackend('pushSnapshots into a central store', (backend) => {
  it('ships every snapshot once, oldest first, with the same hashes; again ships nothing; then only the new ones', async () => {
    const local = await localStore();
    const central = await tempStore(backend);
    try {
      await writeSteps(local.store, 'web-1', 0, 6);
      await writeSteps(local.store, 'web-2', 0, 3, 1);
      const first = await pushSnapshots(local.store, central.store);
      expect(first.map((result) => [result.host, result.pushed, result.present, result.refused])).toEqual([['web-1', 6, 0, null], ['web-2', 3, 0, null]]);
      expect(await hashes(central.store, 'web-1')).toEqual(await hashes(local.store, 'web-1'));
      expect(await hashes(central.store, 'web-2')).toEqual(await hashes(local.store, 'web-2'));
      const again = await pushSnapshots(local.store, central.store);
      expect(again.map((result) => [result.pushed, result.present])).toEqual([[0, 6], [0, 3]]);
      await writeSteps(local.store, 'web-1', 6, 9);
      const more = await pushSnapshots(local.store, central.store, { hosts: ['web-1'] });
      expect(more[0]).toMatchObject({ pushed: 3, present: 6, refused: null });
      expect(await hashes(central.store, 'web-1')).toEqual(await hashes(local.store, 'web-1'));
      const localRows = await listSnapshots(local.store, 'web-1');
      const centralRows = await listSnapshots(central.store, 'web-1');
      for (const [index, row] of localRows.entries()) {
        const [mine, theirs] = [await readSnapshot(local.store, row.id), await readSnapshot(central.store, centralRows[index]!.id)];
        expect(theirs.sockets).toEqual(mine.sockets);
        expect(theirs.meta).toEqual(mine.meta);
      }
      expect((await verifyStore(central.store)).problems).toEqual([]);
    } finally {
      await local.cleanup();
      await central.cleanup();
    }
  });

  it('accepts a pruned history as the start of a host, and it verifies', async () => {
    const local = await localStore();
    const central = await tempStore(backend);
    try {
      await writeSteps(local.store, 'web-1', 0, 6);
      await pruneSnapshots(local.store, 'web-1', { keep: 3 });
      const [result] = await pushSnapshots(local.store, central.store);
      expect(result).toMatchObject({ pushed: 3, refused: null });
      expect(await hashes(central.store, 'web-1')).toEqual(await hashes(local.store, 'web-1'));
      expect((await verifyStore(central.store)).problems).toEqual([]);
    } finally {
      await local.cleanup();
      await central.cleanup();
    }
  });

  it('refuses a rewound history (a restored older copy) and a forked one, naming host and snapshot, and records it', async () => {
    const { dir, cleanup } = tempDir();
    const central = await tempStore(backend);
    try {
      const file = path.join(dir, 'host.db');
      const local = await openStore({ db: file, env: {} });
      await writeSteps(local, 'web-1', 0, 4);
      await local.close();
      fs.copyFileSync(file, path.join(dir, 'old.db'));
      const again = await openStore({ db: file, env: {} });
      await writeSteps(again, 'web-1', 4, 6);
      expect((await pushSnapshots(again, central.store))[0]).toMatchObject({ pushed: 6, refused: null });
      await again.close();

      // rewound: the host's store went back to a copy from before its last two snapshots
      const old = await openStore({ db: path.join(dir, 'old.db'), env: {} });
      await writeSteps(old, 'web-1', 4, 5, 9);
      const [rewound] = await pushSnapshots(old, central.store);
      expect(rewound!.pushed).toBe(0);
      expect(rewound!.refused).toMatchObject({ snapshotId: 5 });
      expect(rewound!.refused!.reason).toMatch(/latest snapshot of host web-1 \(#\d+, taken .*\) is not in this host's history/);
      await old.close();

      // forked: a new store for the same host name
      const fork = await localStore();
      await writeSteps(fork.store, 'web-1', 0, 2, 5);
      const [forked] = await pushSnapshots(fork.store, central.store);
      expect(forked!.refused).toMatchObject({ snapshotId: 2 });
      await fork.cleanup();

      const recorded = await central.store.db.selectFrom('push_refusals').select(['host', 'snapshot_id', 'reason']).orderBy('id').execute();
      expect(recorded.map((row) => [row.host, row.snapshot_id])).toEqual([['web-1', 5], ['web-1', 2]]);
      // the central history is untouched
      expect((await listSnapshots(central.store, 'web-1')).length).toBe(6);
      expect((await verifyStore(central.store)).problems).toEqual([]);
    } finally {
      cleanup();
      await central.cleanup();
    }
  });

  it('refuses a snapshot whose hash does not recompute centrally (altered in the host store after it was written)', async () => {
    const local = await localStore();
    const central = await tempStore(backend);
    try {
      await writeSteps(local.store, 'web-1', 0, 3);
      await local.store.db.updateTable('snapshots').set({ label: 'forged' }).where('id', '=', 2).execute();
      const [result] = await pushSnapshots(local.store, central.store);
      expect(result).toMatchObject({ pushed: 1, refused: { snapshotId: 2 } });
      expect(result!.refused!.reason).toMatch(/content hash/);
      expect((await listSnapshots(central.store, 'web-1')).length).toBe(1);
    } finally {
      await local.cleanup();
      await central.cleanup();
    }
  });
});

describeEachBackend('pushSnapshots checks what it is told', (backend) => {
  it('refuses a snapshot with a socket whose stored digest does not match its content', async () => {
    const local = await localStore();
    const central = await tempStore(backend);
    try {
      await writeSteps(local.store, 'web-1', 0, 3);
      // a version opened by snapshot 2 claims another digest than its content has
      const opened = await local.store.db.selectFrom('socket_versions').select('id').where('opened_in', '=', 2).executeTakeFirstOrThrow();
      await local.store.db.updateTable('socket_versions').set({ digest: 'AAAAAAAAAAAAAAAA' }).where('id', '=', opened.id).execute();
      const [result] = await pushSnapshots(local.store, central.store);
      expect(result).toMatchObject({ pushed: 1, refused: { snapshotId: 2 } });
      expect(result!.refused!.reason).toMatch(/content does not match the digest/);
    } finally {
      await local.cleanup();
      await central.cleanup();
    }
  });
});

describe('push results', () => {
  it('needs nothing from a store with no hosts', async () => {
    const local = await localStore();
    const central = await localStore();
    try {
      expect(await pushSnapshots(local.store, central.store)).toEqual([]);
    } finally {
      await local.cleanup();
      await central.cleanup();
    }
  });
});
