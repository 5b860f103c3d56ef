import type { Store } from './open-store.js';
import { findHostId } from './snapshot-row.js';
import { inWriteTransaction } from './write-transaction.js';

/** Which of a host's snapshots to remove: all but the newest `keep`, or those taken before a time. */
export type PrunePolicy = { keep: number } | { olderThan: string };

export interface PruneResult {
  host: string;
  removedSnapshots: number;
  removedVersions: number;
  keptSnapshots: number;
  /** the oldest snapshot left, or null when the host has none */
  oldestKept: number | null;
}

/**
 * Removes a host's oldest snapshots while keeping every remaining one reconstructable and
 * verifiable. The newest snapshot is always kept (the next snapshot compares with it).
 *
 * Only a prefix of the history goes, so:
 * - versions closed by or before the first kept snapshot F appear in no kept snapshot and
 *   are deleted (with their owner rows);
 * - versions opened before F and still alive at F get opened_in = F, which changes
 *   nothing for any snapshot >= F (a version is in N when opened_in <= N < closed_in);
 * - processes no longer referenced by any owner row are deleted;
 * - F keeps its prev_hash (the hash of a snapshot that is gone): verify checks a prev_hash
 *   against its predecessor only where that predecessor still exists, while F's own hash
 *   still covers the prev_hash it was written with.
 */
export async function pruneSnapshots(store: Store, host: string, policy: PrunePolicy): Promise<PruneResult> {
  const empty: PruneResult = { host, removedSnapshots: 0, removedVersions: 0, keptSnapshots: 0, oldestKept: null };
  const hostId = await findHostId(store.db, host);
  if (hostId === undefined) return empty;
  return inWriteTransaction(store.db, async (db) => {
    const snapshots = await db
      .selectFrom('snapshots')
      .select(['id', 'taken_at'])
      .where('host_id', '=', hostId)
      .orderBy('id', 'desc')
      .execute();
    if (snapshots.length === 0) return empty;
    // newest first: remove from this index on (never index 0, the newest)
    const firstRemoved = Math.max(1, 'keep' in policy ? policy.keep : firstOlderThan(snapshots, policy.olderThan));
    const removed = snapshots.slice(firstRemoved);
    const firstKept = snapshots[Math.min(firstRemoved, snapshots.length) - 1]!.id;
    const result: PruneResult = { host, removedSnapshots: removed.length, removedVersions: 0, keptSnapshots: snapshots.length - removed.length, oldestKept: firstKept };
    if (removed.length === 0) return result;

    const gone = db
      .selectFrom('socket_versions')
      .select('id')
      .where('host_id', '=', hostId)
      .where('closed_in', '<=', firstKept);
    await db.deleteFrom('socket_owners').where('version_id', 'in', gone).execute();
    const deleted = await db.deleteFrom('socket_versions').where('host_id', '=', hostId).where('closed_in', '<=', firstKept).executeTakeFirst();
    result.removedVersions = Number(deleted.numDeletedRows);
    await db.updateTable('socket_versions').set({ opened_in: firstKept }).where('host_id', '=', hostId).where('opened_in', '<', firstKept).execute();
    await db.deleteFrom('snapshots').where('host_id', '=', hostId).where('id', '<', firstKept).execute();
    await db
      .deleteFrom('processes')
      .where('host_id', '=', hostId)
      .where('id', 'not in', db.selectFrom('socket_owners').select('process_id').where('host_id', '=', hostId))
      .execute();
    return result;
  });
}

/** Index (newest first) of the first snapshot taken before `time`; everything older goes with it. */
function firstOlderThan(snapshots: { taken_at: string }[], time: string): number {
  const index = snapshots.findIndex((snapshot) => snapshot.taken_at < time);
  return index === -1 ? snapshots.length : index;
}
