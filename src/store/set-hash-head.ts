import type { Kysely } from 'kysely';
import type { Database } from './database-schema.js';
import { SetHash } from './set-hash.js';
import { snapshotHash } from './snapshot-hash.js';
import { selectSnapshots, snapshotMeta, toSnapshotRow } from './snapshot-row.js';

/** How a new snapshot's sockets differ from the previous snapshot's (writeSnapshot's digest match). */
export interface SetChange {
  /** the previous snapshot, whose set the change applies to */
  previousId: number;
  /** digests of versions the new snapshot opens */
  opened: readonly string[];
  /** digests of versions it closes */
  closed: readonly string[];
}

/**
 * The set hash of a new snapshot's socket digests. The state after each host's latest
 * snapshot is kept in set_hash_heads, so that a snapshot costs its changes (a few
 * expansions of 2048 bytes) rather than one per socket (at 10,000 sockets, about 70 ms).
 * When the head is missing or is not the previous snapshot's (a new boot, a first
 * snapshot, a head lost or damaged), the set is hashed whole from `digests`, which are
 * exactly the new snapshot's. A head is used only if the previous snapshot's content hash
 * recomputed with it matches (one hash of its row), so a damaged head costs one full
 * rebuild, never a snapshot with a wrong hash. Verify never reads the head: it rebuilds
 * every set from the versions.
 */
export async function nextSetHash(db: Kysely<Database>, hostId: number, digests: readonly string[], change: SetChange | null): Promise<SetHash> {
  if (change !== null) {
    const head = await db.selectFrom('set_hash_heads').select(['snapshot_id', 'state']).where('host_id', '=', hostId).executeTakeFirst();
    if (head !== undefined && head.snapshot_id === change.previousId && (await headMatches(db, change.previousId, head.state))) {
      const set = new SetHash(head.state);
      set.update(change.opened, change.closed);
      return set;
    }
  }
  return SetHash.of(digests);
}

/** Records `set` as the state after the host's snapshot `snapshotId` (its latest). */
export async function saveSetHashHead(db: Kysely<Database>, hostId: number, snapshotId: number, set: SetHash): Promise<void> {
  await db
    .insertInto('set_hash_heads')
    .values({ host_id: hostId, snapshot_id: snapshotId, state: set.state() })
    .onConflict((conflict) => conflict.column('host_id').doUpdateSet({ snapshot_id: snapshotId, state: set.state() }))
    .execute();
}

/** Whether `state` is the set the previous snapshot's content hash covers. */
async function headMatches(db: Kysely<Database>, previousId: number, state: Uint8Array): Promise<boolean> {
  const raw = await selectSnapshots(db).where('s.id', '=', previousId).executeTakeFirst();
  if (raw === undefined) return false;
  const row = toSnapshotRow(raw);
  let set: SetHash;
  try {
    set = new SetHash(state);
  } catch {
    return false; // a state of the wrong size
  }
  return snapshotHash({ meta: snapshotMeta(row), label: row.label, warnings: row.warnings, socketSetDigest: set.digest(), prevHash: row.prevHash }) === row.contentHash;
}
