import type { SocketFamily, SocketOwner } from '../model/socket-record.js';
import { sql } from './kysely-runtime.js';
import type { Store } from './open-store.js';
import { sortOwners } from './canonical-socket.js';
import { exeMatches } from '../inventory/exe-match.js';
import { findHostId } from './snapshot-row.js';
import { decodeVersionContent } from './version-record.js';
import type { SocketRecord } from '../model/socket-record.js';

export interface HistoryFilter {
  /** local port (or remote port, for connected sockets) */
  port?: number;
  /** unix path, `@name` for an abstract one */
  path?: string;
  /** an owner's executable */
  exe?: string;
  family?: SocketFamily;
}

/** One stored socket version: a socket with one content, from one snapshot to another. */
export interface SocketVersionHistory {
  versionId: number;
  record: SocketRecord;
  openedIn: { id: number; takenAt: string };
  /** the first snapshot without it, or null while it is still open */
  closedIn: { id: number; takenAt: string } | null;
}

/**
 * Every stored version of a host's sockets matching the filter, oldest first, read from
 * the version table alone (indexed by port and path), without reconstructing snapshots:
 * the answer to "when was this socket first and last seen". After a prune, opened_in of
 * versions older than the oldest kept snapshot is that snapshot.
 */
export async function socketHistory(store: Store, host: string, filter: HistoryFilter): Promise<SocketVersionHistory[]> {
  const hostId = await findHostId(store.db, host);
  if (hostId === undefined) return [];
  let query = store.db
    .selectFrom('socket_versions as v')
    .innerJoin('snapshots as o', 'o.id', 'v.opened_in')
    .leftJoin('snapshots as c', 'c.id', 'v.closed_in')
    .select(['v.id', 'v.content', 'v.opened_in', 'v.closed_in', 'o.taken_at as opened_at', 'c.taken_at as closed_at'])
    // with a port or a path, the unary + keeps SQLite off the (host_id, opened_in) index,
    // which it preferred for the ORDER BY: that read every version of the host (a year of
    // a 10,000-socket host: 490,000 rows for --port 22); the port and path indexes find the
    // few that match, and sorting those is cheap
    .where(filter.port !== undefined || filter.path !== undefined ? sql<number>`+${sql.ref('v.host_id')}` : 'v.host_id', '=', hostId);
  if (filter.port !== undefined) {
    const port = filter.port;
    query = query.where((eb) => eb.or([eb('v.local_port', '=', port), eb('v.remote_port', '=', port)]));
  }
  if (filter.path !== undefined) query = query.where('v.path', '=', filter.path);
  if (filter.family !== undefined) query = query.where('v.family', '=', filter.family);
  if (filter.exe !== undefined) {
    const processIds = await matchingProcessIds(store, hostId, filter.exe);
    if (processIds.length === 0) return [];
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('socket_owners as so')
          .select('so.version_id')
          .whereRef('so.version_id', '=', 'v.id')
          .where('so.process_id', 'in', processIds),
      ),
    );
  }
  const rows = await query.orderBy('v.opened_in').orderBy('v.id').execute();
  if (rows.length === 0) return [];
  const owners = new Map<number, SocketOwner[]>();
  const ids = rows.map((row) => row.id);
  for (let start = 0; start < ids.length; start += 5000) {
    const ownerRows = await store.db
      .selectFrom('socket_owners as so')
      .innerJoin('processes as p', 'p.id', 'so.process_id')
      .select(['so.version_id', 'so.fd', 'p.pid', 'p.comm', 'p.exe', 'p.cmdline', 'p.uid', 'p.user'])
      .where('so.version_id', 'in', ids.slice(start, start + 5000))
      .execute();
    for (const { version_id, ...owner } of ownerRows) {
      const list = owners.get(version_id) ?? [];
      list.push(owner);
      owners.set(version_id, list);
    }
  }
  return rows.map((row) => ({
    versionId: row.id,
    record: decodeVersionContent(row.content, sortOwners(owners.get(row.id) ?? [])),
    openedIn: { id: row.opened_in, takenAt: row.opened_at },
    closedIn: row.closed_in === null || row.closed_at === null ? null : { id: row.closed_in, takenAt: row.closed_at },
  }));
}

/**
 * The host's stored processes that `--exe` names (exeMatches: a path, or a bare name
 * matched against the exe's basename and the comm). Matched here rather than in SQL so
 * that the rule is the same as the live filter's, in every SQL dialect; a host has one
 * row per distinct process description, far fewer than versions.
 */
async function matchingProcessIds(store: Store, hostId: number, exe: string): Promise<number[]> {
  let query = store.db.selectFrom('processes').select(['id', 'exe', 'comm']).where('host_id', '=', hostId);
  if (exe.includes('/')) query = query.where('exe', '=', exe);
  const rows = await query.execute();
  return rows.filter((row) => exeMatches(exe, row)).map((row) => row.id);
}
