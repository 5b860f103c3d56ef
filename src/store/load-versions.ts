import type { ExpressionBuilder, Kysely } from 'kysely';
import { sql } from './kysely-runtime.js';
import type { SocketOwner, SocketRecord } from '../model/socket-record.js';
import { batches } from './batches.js';
import { sortOwners } from './canonical-socket.js';
import type { Database } from './database-schema.js';
import { decodeVersionContent } from './version-record.js';

/**
 * Which versions of a host to load:
 * - `open`: not closed yet (what the next snapshot compares with);
 * - the versions alive in snapshot N (or in any of snapshots M..N), in two halves so that
 *   each uses an index: `open-at` (still open, opened by N) and `closed-after` (closed
 *   after M, opened by N);
 * - `opened-in` / `closed-in`: versions a snapshot added or ended (verify walks these).
 */
export type VersionScope =
  | { kind: 'open' }
  | { kind: 'open-at'; openedBy: number }
  | { kind: 'closed-after'; closedAfter: number; openedBy: number; scan?: 'opened' | 'closed' }
  | { kind: 'opened-in'; snapshotId: number }
  | { kind: 'closed-in'; snapshotId: number };

export interface LoadedVersion {
  id: number;
  /** the snapshot that opened this version, and the one that closed it (null: still open) */
  openedIn: number;
  closedIn: number | null;
  record: SocketRecord;
  /** the digest stored with it (loaded only when asked for: verify checks it) */
  storedDigest: string | null;
}

type VersionsEb = ExpressionBuilder<Database & { v: Database['socket_versions'] }, 'v'>;

function scopeCondition(eb: VersionsEb, hostId: number, scope: VersionScope) {
  const host = eb('v.host_id', '=', hostId);
  switch (scope.kind) {
    case 'open':
      return eb.and([host, eb('v.closed_in', 'is', null)]);
    case 'open-at':
      return eb.and([host, eb('v.closed_in', 'is', null), eb('v.opened_in', '<=', scope.openedBy)]);
    case 'closed-after':
      // a unary + keeps SQLite from using that column's index, so that it scans the other
      // one (see loadVersionsAlive)
      return scope.scan === 'opened'
        ? eb.and([host, eb(sql<number>`+${sql.ref('v.closed_in')}`, '>', scope.closedAfter), eb('v.opened_in', '<=', scope.openedBy)])
        : scope.scan === 'closed'
          ? eb.and([host, eb('v.closed_in', '>', scope.closedAfter), eb(sql<number>`+${sql.ref('v.opened_in')}`, '<=', scope.openedBy)])
          : eb.and([host, eb('v.closed_in', '>', scope.closedAfter), eb('v.opened_in', '<=', scope.openedBy)]);
    case 'opened-in':
      return eb.and([host, eb('v.opened_in', '=', scope.snapshotId)]);
    case 'closed-in':
      return eb.and([host, eb('v.closed_in', '=', scope.snapshotId)]);
  }
}

/**
 * The versions in scope with their owners (sorted by pid, fd), in no particular order.
 * Three narrow queries (versions, owner links, the few processes they name) joined here:
 * narrow rows are what makes a 50,000-socket snapshot quick to read.
 */
export async function loadVersions(
  db: Kysely<Database>,
  hostId: number,
  scope: VersionScope,
  options: { digests?: boolean } = {},
): Promise<LoadedVersion[]> {
  // the digests are a third of what a 50,000-version read moves: only verify needs them
  const rows = await db
    .selectFrom('socket_versions as v')
    .where((eb) => scopeCondition(eb, hostId, scope))
    .select(['v.id', 'v.opened_in', 'v.closed_in', 'v.content'])
    .$if(options.digests === true, (query) => query.select('v.digest'))
    .execute();
  if (rows.length === 0) return [];
  const links = await db
    .selectFrom('socket_owners as o')
    .innerJoin('socket_versions as v', 'v.id', 'o.version_id')
    .where((eb) => scopeCondition(eb, hostId, scope))
    .select(['o.version_id', 'o.process_id', 'o.fd'])
    .execute();
  const processes = await loadProcesses(db, [...new Set(links.map((link) => link.process_id))]);
  const ownersByVersion = new Map<number, SocketOwner[]>();
  for (const link of links) {
    const process = processes.get(link.process_id);
    if (process === undefined) continue; // a dangling reference: verify reports the difference
    const owner: SocketOwner = { pid: process.pid, fd: link.fd, comm: process.comm, exe: process.exe, cmdline: process.cmdline, uid: process.uid, user: process.user };
    const owners = ownersByVersion.get(link.version_id);
    if (owners === undefined) ownersByVersion.set(link.version_id, [owner]);
    else owners.push(owner);
  }
  return rows.map((row) => {
    const owners = ownersByVersion.get(row.id);
    return {
      id: row.id,
      openedIn: row.opened_in,
      closedIn: row.closed_in,
      record: decodeVersionContent(row.content, owners === undefined ? [] : owners.length > 1 ? sortOwners(owners) : owners),
      storedDigest: 'digest' in row ? (row.digest as string) : null,
    };
  });
}

type ProcessRow = Omit<SocketOwner, 'fd'>;

async function loadProcesses(db: Kysely<Database>, ids: number[]): Promise<Map<number, ProcessRow>> {
  const processes = new Map<number, ProcessRow>();
  for (const batch of batches(ids, 5000)) {
    const rows = await db
      .selectFrom('processes')
      .select(['id', 'pid', 'comm', 'exe', 'cmdline', 'uid', 'user'])
      .where('id', 'in', batch)
      .execute();
    for (const { id, ...process } of rows) processes.set(id, process);
  }
  return processes;
}

/**
 * Versions of a host alive in at least one of snapshots first..last (ids, first <= last):
 * each loaded and decoded once, however many of those snapshots it lives in.
 */
export async function loadVersionsAlive(db: Kysely<Database>, hostId: number, first: number, last: number): Promise<LoadedVersion[]> {
  const open = await loadVersions(db, hostId, { kind: 'open-at', openedBy: last });
  const scan = await nearerEnd(db, hostId, first, last);
  const closedLater = await loadVersions(db, hostId, { kind: 'closed-after', closedAfter: first, openedBy: last, scan });
  return open.concat(closedLater);
}

/**
 * Which index finds the closed versions alive in snapshots first..last with fewer entries
 * scanned: versions opened by `last` (from the host's oldest) or closed after `first` (to
 * its newest). Both indexes hold both columns, so the scan reads index entries only; the
 * nearer end of the history is the shorter scan, assuming changes spread evenly over it.
 * Why: SQLite, without statistics, picked the closed_in index for every snapshot, and read a
 * row per entry to test opened_in: `show` of the middle of a year looked at half of its
 * versions' rows (1.6 s, against 0.8 s for the first snapshot on the same busy machine).
 */
async function nearerEnd(db: Kysely<Database>, hostId: number, first: number, last: number): Promise<'opened' | 'closed'> {
  const range = await db
    .selectFrom('snapshots')
    .select((eb) => [eb.fn.min<number>('id').as('oldest'), eb.fn.max<number>('id').as('newest')])
    .where('host_id', '=', hostId)
    .executeTakeFirst();
  if (range === undefined || range.oldest === null || range.newest === null) return 'closed';
  return last - range.oldest < range.newest - first ? 'opened' : 'closed';
}

/**
 * Whether versions opened after `from` up to `to` outnumber `limit`: counted on the index,
 * stopping at limit + 1, so the answer costs at most that many index entries.
 */
export async function manyOpenedBetween(db: Kysely<Database>, hostId: number, from: number, to: number, limit: number): Promise<boolean> {
  const rows = await db
    .selectFrom('socket_versions')
    .select('opened_in')
    .where('host_id', '=', hostId)
    .where('opened_in', '>', from)
    .where('opened_in', '<=', to)
    .limit(limit + 1)
    .execute();
  return rows.length > limit;
}

/** Whether a version belongs to snapshot N: opened by N and not closed by N. */
export function isAliveIn(version: LoadedVersion, snapshotId: number): boolean {
  return version.openedIn <= snapshotId && (version.closedIn === null || version.closedIn > snapshotId);
}

/** The host's open versions as (id, digest): all a new snapshot needs to compare with. */
export async function loadOpenDigests(db: Kysely<Database>, hostId: number): Promise<{ id: number; digest: string }[]> {
  return db
    .selectFrom('socket_versions')
    .select(['id', 'digest'])
    .where('host_id', '=', hostId)
    .where('closed_in', 'is', null)
    .execute();
}
