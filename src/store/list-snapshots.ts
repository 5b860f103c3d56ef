import type { Store } from './open-store.js';
import { findHostId, selectSnapshots, toSnapshotRow, type SnapshotRow } from './snapshot-row.js';

/** A host's snapshots, newest first; at most `limit` of them (all when undefined). */
export async function listSnapshots(store: Store, host: string, limit?: number): Promise<SnapshotRow[]> {
  const hostId = await findHostId(store.db, host);
  if (hostId === undefined) return [];
  let query = selectSnapshots(store.db).where('s.host_id', '=', hostId).orderBy('s.id', 'desc');
  if (limit !== undefined) query = query.limit(limit);
  return (await query.execute()).map(toSnapshotRow);
}

/** Every host with at least one snapshot, by name. */
export async function listHosts(store: Store): Promise<string[]> {
  const rows = await store.db
    .selectFrom('hosts')
    .select('name')
    .where(({ exists, selectFrom }) => exists(selectFrom('snapshots').select('id').whereRef('snapshots.host_id', '=', 'hosts.id')))
    .orderBy('name')
    .execute();
  return rows.map((row) => row.name);
}
