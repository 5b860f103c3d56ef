import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { openStore } from '../../src/store/open-store.js';
import { SetHash } from '../../src/store/set-hash.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { readSnapshot } from '../../src/store/read-snapshot.js';
import { makeInventory, makeRecord } from './make-record.js';
import { tempDir } from './temp-store.js';

/** Written by sockaudit before migration 0005 (fixtures/stores/make-v1-store.mjs): hash rule v1, host "a" pruned. */
const V1_STORE = path.resolve(import.meta.dirname, '../../fixtures/stores/v1-history.db');

function copyOfV1Store(): { file: string; cleanup: () => void } {
  const { dir, cleanup } = tempDir();
  const file = path.join(dir, 'v1.db');
  fs.copyFileSync(V1_STORE, file);
  return { file, cleanup };
}

type Row = { id: number; host_id: number; content_hash: string; prev_hash: string | null };
function snapshotRows(file: string): Row[] {
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    return raw.prepare('select id, host_id, content_hash, prev_hash from snapshots order by id').all() as Row[];
  } finally {
    raw.close();
  }
}

describe('migration 0005-incremental-set-hash', () => {
  it('verifies a v1 database, rewrites every hash and the chain, and the result verifies and keeps growing', async () => {
    const { file, cleanup } = copyOfV1Store();
    try {
      const before = snapshotRows(file);
      expect(before.length).toBe(13);
      const store = await openStore({ db: file, env: {} });
      try {
        expect(await verifyStore(store)).toMatchObject({ hosts: 2, snapshots: 13, problems: [] });
        const after = snapshotRows(file);
        for (const [index, row] of after.entries()) {
          expect(row.content_hash).not.toBe(before[index]!.content_hash);
          const predecessor = after.slice(0, index).findLast((other) => other.host_id === row.host_id);
          // the chain is rewritten; the oldest kept snapshot of the pruned host keeps its gone predecessor's v1 hash
          expect(row.prev_hash).toBe(predecessor?.content_hash ?? before[index]!.prev_hash);
        }
        expect(after.find((row) => row.host_id === 1)!.prev_hash).not.toBeNull();
        // each host's head is the set of its latest snapshot's socket digests, with the application's LtHash
        const raw = new BetterSqlite3(file, { readonly: true });
        const heads = raw.prepare('select host_id, snapshot_id, state from set_hash_heads order by host_id').all() as { host_id: number; snapshot_id: number; state: Buffer }[];
        for (const head of heads) {
          const digests = raw.prepare('select digest from socket_versions where host_id = ? and closed_in is null').all(head.host_id) as { digest: string }[];
          expect(new SetHash(head.state).digest()).toBe(SetHash.of(digests.map((row) => row.digest)).digest());
          expect(head.snapshot_id).toBe(after.filter((row) => row.host_id === head.host_id).at(-1)!.id);
        }
        expect(heads.length).toBe(2);
        raw.close();
        // snapshots still read back, and a new one chains on and verifies
        expect((await readSnapshot(store, after.at(-1)!.id)).sockets.length).toBe(8);
        const next = await writeSnapshot(store, makeInventory([makeRecord()], { bootId: 'boot-2', takenAt: '2026-02-01T00:00:00.000Z' }), { host: 'b' });
        expect(snapshotRows(file).at(-1)!.prev_hash).toBe(after.at(-1)!.content_hash);
        expect(next.contentHash).toBe(snapshotRows(file).at(-1)!.content_hash);
        expect(await verifyStore(store)).toMatchObject({ hosts: 2, snapshots: 14, problems: [] });
      } finally {
        await store.close();
      }
    } finally {
      cleanup();
    }
  });

  // [what, SQL on the v1 database, the snapshot the error must name]
  const tamperings: [string, string, RegExp][] = [
    ['a label', "update snapshots set label = 'forged' where id = 11", /snapshot 11 of host b .*content hash differs/],
    ['an owner process', "update processes set exe = '/tmp/evil' where comm = 'nginx' and host_id = 2", /snapshot 9 of host b .*does not match its stored digest/],
    ['a deleted snapshot', 'delete from snapshots where id = 12', /snapshot 13 of host b fails verification/],
  ];
  for (const [what, statement, message] of tamperings) {
    it(`refuses to migrate a v1 database that fails the v1 rule (${what}), naming the snapshot, and leaves it as it was`, async () => {
      const { file, cleanup } = copyOfV1Store();
      try {
        const raw = new BetterSqlite3(file);
        raw.pragma('foreign_keys = OFF');
        expect(raw.prepare(statement).run().changes).toBeGreaterThan(0);
        raw.close();
        const before = snapshotRows(file);
        const opening = openStore({ db: file, env: {} });
        await expect(opening).rejects.toBeInstanceOf(StorageError);
        await expect(opening).rejects.toThrow(message);
        await expect(opening).rejects.toThrow(/not migrated/);
        expect(snapshotRows(file)).toEqual(before);
        const check = new BetterSqlite3(file, { readonly: true });
        expect(check.prepare('select name from kysely_migration').all()).toEqual([{ name: '0001-initial-schema' }]);
        expect(check.prepare("select count(*) as n from sqlite_master where name = 'set_hash_heads'").get()).toEqual({ n: 0 });
        check.close();
      } finally {
        cleanup();
      }
    });
  }
});
