import { UsageError } from '../errors.js';
import { SOCKET_FAMILIES, type SocketFamily } from '../model/socket-record.js';
import type { Store } from '../store/open-store.js';
import { socketHistory, type HistoryFilter } from '../store/socket-history.js';
import { findHostId } from '../store/snapshot-row.js';
import { historyPeriods, type HistoryPeriod, type SnapshotPoint } from './history-periods.js';

export interface HistoryOptions {
  port?: unknown;
  path?: unknown;
  exe?: unknown;
  family?: unknown;
}

/** The history flags as a store filter; at least one is required (all sockets ever is not a question). */
export function parseHistoryFilter(options: HistoryOptions): HistoryFilter & { ipVersion?: 4 | 6 } {
  const filter: HistoryFilter & { ipVersion?: 4 | 6 } = {};
  if (options.port !== undefined) {
    const text = String(options.port);
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port expects a whole number from 0 to 65535, got "${text}"`);
    filter.port = port;
  }
  if (options.path !== undefined) filter.path = String(options.path);
  if (options.exe !== undefined) filter.exe = String(options.exe);
  if (options.family !== undefined) {
    const name = String(options.family).trim().toLowerCase();
    const version = /[46]$/.test(name) ? (Number(name.slice(-1)) as 4 | 6) : undefined;
    const family = (version === undefined ? name : name.slice(0, -1)) as SocketFamily;
    if (!SOCKET_FAMILIES.includes(family)) throw new UsageError(`--family: unknown family "${options.family}" (known: ${SOCKET_FAMILIES.join(', ')}; add 4 or 6 for one IP version)`);
    filter.family = family;
    if (version !== undefined) filter.ipVersion = version;
  }
  if (Object.keys(filter).length === 0) throw new UsageError('history needs at least one of --port, --path, --exe, --family');
  return filter;
}

/**
 * The periods during which sockets matching the filter existed on a host, answered from
 * the version table (socketHistory) and the host's list of snapshot ids, never by
 * reconstructing a snapshot.
 */
export async function queryHistory(store: Store, host: string, filter: HistoryFilter & { ipVersion?: 4 | 6 }): Promise<HistoryPeriod[]> {
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
