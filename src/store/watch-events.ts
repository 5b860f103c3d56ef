import type { StoredWatchEvent, WatchEventKind, WatchEvent } from '../model/watch-event.js';
import type { Store } from './open-store.js';
import { inWriteTransaction } from './write-transaction.js';

export type { StoredWatchEvent } from '../model/watch-event.js';

/**
 * Stores events of one host in one write transaction, tied to the host's latest snapshot;
 * creates the host when it has none yet. Throws (SQLITE_BUSY) when the database stays
 * locked: the caller keeps the events and tries again.
 */
export async function insertWatchEvents(store: Store, host: string, events: readonly StoredWatchEvent[]): Promise<void> {
  if (events.length === 0) return;
  await inWriteTransaction(store.db, async (db) => {
    let hostRow = await db.selectFrom('hosts').select('id').where('name', '=', host).executeTakeFirst();
    hostRow ??= await db.insertInto('hosts').values({ name: host }).returning('id').executeTakeFirstOrThrow();
    const latest = await db.selectFrom('snapshots').select('id').where('host_id', '=', hostRow.id).orderBy('id', 'desc').limit(1).executeTakeFirst();
    const rows = events.map((event) => ({
      host_id: hostRow.id,
      after_snapshot: latest?.id ?? null,
      seen_at: event.at,
      kind: event.kind,
      source: event.source,
      family: event.socket?.family ?? null,
      local_port: event.socket?.localPort ?? null,
      remote_port: event.socket?.remotePort ?? null,
      record: event.socket === null ? null : JSON.stringify(event.socket),
      opened_after: event.openedAfter,
      opened_by: event.openedBy,
      closed_after: event.closedAfter,
      closed_by: event.closedBy,
      lost: event.lost,
      netns: event.netns,
    }));
    // 15 columns: 60 rows per statement stay under SQLite's 999 variables
    for (let i = 0; i < rows.length; i += 60) await db.insertInto('watch_events').values(rows.slice(i, i + 60)).execute();
  });
}

export interface WatchEventQuery {
  host: string;
  /** ISO time: only events seen at or after it. */
  since?: string | null;
  /** local or remote port. */
  port?: number | null;
  /** only events tied to snapshots in [fromSnapshot, toSnapshot): seen after FROM and before TO was taken. */
  afterSnapshotFrom?: number | null;
  afterSnapshotBefore?: number | null;
  kinds?: readonly string[];
}

/** Stored events of one host, oldest first. */
export async function readWatchEvents(store: Store, query: WatchEventQuery): Promise<StoredWatchEvent[]> {
  let select = store.db
    .selectFrom('watch_events')
    .innerJoin('hosts', 'hosts.id', 'watch_events.host_id')
    .selectAll('watch_events')
    .where('hosts.name', '=', query.host);
  if (query.since !== undefined && query.since !== null) select = select.where('seen_at', '>=', query.since);
  if (query.port !== undefined && query.port !== null) {
    const port = query.port;
    select = select.where((eb) => eb.or([eb('local_port', '=', port), eb('remote_port', '=', port)]));
  }
  if (query.afterSnapshotFrom !== undefined && query.afterSnapshotFrom !== null) select = select.where('after_snapshot', '>=', query.afterSnapshotFrom);
  if (query.afterSnapshotBefore !== undefined && query.afterSnapshotBefore !== null) select = select.where('after_snapshot', '<', query.afterSnapshotBefore);
  if (query.kinds !== undefined) select = select.where('kind', 'in', [...query.kinds]);
  const rows = await select.orderBy('watch_events.id').execute();
  return rows.map((row) => ({
    id: row.id,
    // written by insertWatchEvents from the same types
    kind: row.kind as WatchEventKind,
    at: row.seen_at,
    source: row.source as WatchEvent['source'],
    socket: row.record === null ? null : (JSON.parse(row.record) as WatchEvent['socket']),
    openedAfter: row.opened_after,
    openedBy: row.opened_by,
    closedAfter: row.closed_after,
    closedBy: row.closed_by,
    lost: row.lost,
    netns: row.netns,
    afterSnapshot: row.after_snapshot,
  }));
}
