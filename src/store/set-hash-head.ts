import type { Kysely } from 'kysely';
import type { Database } from './database-schema.js';
import { SetHash } from './set-hash.js';

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
 * snapshot, a head lost to a hand edit), the set is hashed whole from `digests`, which
 * are exactly the new snapshot's. The stored state is never trusted by verify: it
 * rebuilds every set from the versions.
 */
export async function nextSetHash(db: Kysely<Database>, hostId: number, digests: readonly string[], change: SetChange | null): Promise<SetHash> {
  if (change !== null) {
    const head = await db.selectFrom('set_hash_heads').select(['snapshot_id', 'state']).where('host_id', '=', hostId).executeTakeFirst();
    if (head !== undefined && head.snapshot_id === change.previousId) {
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
