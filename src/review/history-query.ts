import type { Store } from '../store/open-store.js';
import { socketHistory, type HistoryFilter } from '../store/socket-history.js';
import { findHostId } from '../store/snapshot-row.js';
import { historyPeriods, type HistoryPeriod, type SnapshotPoint } from './history-periods.js';

/**
 * What `history` asks for: the store's filter, and optionally one IP version of the
 * family (parsed from the flags at the command line: src/options/parse-history-filter.ts).
 */
export type HistoryQuery = HistoryFilter & { ipVersion?: 4 | 6 };

/**
 * The periods during which sockets matching the filter existed on a host, answered from
 * the version table (socketHistory) and the host's list of snapshot ids, never by
 * reconstructing a snapshot.
 */
export async function queryHistory(store: Store, host: string, filter: HistoryQuery): Promise<HistoryPeriod[]> {
  const hostId = await findHostId(store.db, host);
  if (hostId === undefined) return [];
  const { ipVersion, ...storeFilter } = filter;
  const versions = (await socketHistory(store, host, storeFilter)).filter((version) => ipVersion === undefined || version.record.ipVersion === ipVersion);
  if (versions.length === 0) return [];
  const snapshots: SnapshotPoint[] = (
    await store.db.selectFrom('snapshots').select(['id', 'taken_at']).where('host_id', '=', hostId).orderBy('id').execute()
  ).map((row) => ({ id: row.id, takenAt: row.taken_at }));
  return historyPeriods(versions, snapshots);
}
