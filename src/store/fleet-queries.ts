/**
 * Questions across the hosts of one store (a fleet's PostgreSQL, or an SQLite file that
 * holds several hosts, e.g. snapshots taken with --host): the same Kysely queries on both.
 * They read each host's latest snapshot through its open versions (closed_in is null:
 * exactly the sockets of the host's latest snapshot), by index, without rebuilding
 * snapshots.
 */
import { isListening } from '../inventory/listening.js';
import type { SocketOwner, SocketRecord } from '../model/socket-record.js';
import { batches } from './batches.js';
import { sortOwners } from './canonical-socket.js';
import type { Store } from './open-store.js';
import { decodeVersionContent } from './version-record.js';

export interface FleetHost {
  host: string;
  snapshots: number;
  firstTakenAt: string;
  lastTakenAt: string;
  latestId: number;
  /** sockets in the latest snapshot */
  socketCount: number;
  /** the latest snapshot is older than the staleness limit asked for */
  stale: boolean;
}

/** Every host with snapshots, by name; `staleAfterMs` from `now` marks the stale ones. */
export async function listFleetHosts(store: Store, options: { now: Date; staleAfterMs?: number }): Promise<FleetHost[]> {
  const rows = await store.db
    .selectFrom('snapshots as s')
    .innerJoin('hosts as h', 'h.id', 's.host_id')
    .select((eb) => [
      'h.name as host',
      eb.fn.countAll<number>().as('snapshots'),
      eb.fn.min<string>('s.taken_at').as('first_taken_at'),
      eb.fn.max<string>('s.taken_at').as('last_taken_at'),
      eb.fn.max<number>('s.id').as('latest_id'),
    ])
    .groupBy(['h.id', 'h.name'])
    .orderBy('h.name')
    .execute();
  const counts = new Map<number, number>();
  for (const ids of batches(rows.map((row) => Number(row.latest_id)), 5000)) {
    const latest = await store.db.selectFrom('snapshots').select(['id', 'socket_count']).where('id', 'in', ids).execute();
    for (const row of latest) counts.set(row.id, row.socket_count);
  }
  const limit = options.staleAfterMs === undefined ? null : options.now.getTime() - options.staleAfterMs;
  return rows.map((row) => ({
    host: row.host,
    snapshots: Number(row.snapshots),
    firstTakenAt: row.first_taken_at,
    lastTakenAt: row.last_taken_at,
    latestId: Number(row.latest_id),
    socketCount: counts.get(Number(row.latest_id)) ?? 0,
    stale: limit !== null && Date.parse(row.last_taken_at) < limit,
  }));
}

/** A socket of a host's latest snapshot. */
export interface HostSocket {
  host: string;
  record: SocketRecord;
}

/**
 * The listening sockets of every host's latest snapshot, optionally only those on local
 * port `port` (found by the port index across hosts).
 */
export async function listeningAcrossHosts(store: Store, filter: { port?: number }): Promise<HostSocket[]> {
  let query = store.db
    .selectFrom('socket_versions as v')
    .innerJoin('hosts as h', 'h.id', 'v.host_id')
    .select(['v.id', 'v.content', 'h.name as host'])
    .where('v.closed_in', 'is', null)
    // a socket with a peer port is connected, never listening (isListening decides the rest):
    // a web server's thousands of connections to 443 are left in the database
    .where((eb) => eb.or([eb('v.remote_port', 'is', null), eb('v.remote_port', '=', 0)]));
  if (filter.port !== undefined) query = query.where('v.local_port', '=', filter.port);
  const rows = await query.execute();
  const owners = await ownersOf(store, rows.map((row) => row.id));
  const sockets: HostSocket[] = [];
  for (const row of rows) {
    const record = decodeVersionContent(row.content, sortOwners(owners.get(row.id) ?? []));
    if (isListening(record)) sockets.push({ host: row.host, record });
  }
  return sockets;
}

async function ownersOf(store: Store, versionIds: number[]): Promise<Map<number, SocketOwner[]>> {
  const owners = new Map<number, SocketOwner[]>();
  for (const ids of batches(versionIds, 5000)) {
    const rows = await store.db
      .selectFrom('socket_owners as o')
      .innerJoin('processes as p', 'p.id', 'o.process_id')
      .select(['o.version_id', 'o.fd', 'p.pid', 'p.comm', 'p.exe', 'p.cmdline', 'p.uid', 'p.user'])
      .where('o.version_id', 'in', ids)
      .execute();
    for (const { version_id, ...owner } of rows) {
      const list = owners.get(version_id);
      if (list === undefined) owners.set(version_id, [owner]);
      else list.push(owner);
    }
  }
  return owners;
}
