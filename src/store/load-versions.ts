import type { ExpressionBuilder, Kysely } from 'kysely';
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
  | { kind: 'closed-after'; closedAfter: number; openedBy: number }
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
      return eb.and([host, eb('v.closed_in', '>', scope.closedAfter), eb('v.opened_in', '<=', scope.openedBy)]);
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
  const closedLater = await loadVersions(db, hostId, { kind: 'closed-after', closedAfter: first, openedBy: last });
  return open.concat(closedLater);
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
