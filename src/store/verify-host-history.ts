import type { Kysely } from 'kysely';
import type { SocketOwner } from '../model/socket-record.js';
import { canonicalSocket, sortOwners, versionDigest } from './canonical-socket.js';
import type { Database } from './database-schema.js';
import { SetHash } from './set-hash.js';
import { snapshotHash } from './snapshot-hash.js';
import { checkedSnapshotRow, snapshotMeta } from './snapshot-row.js';
import { decodeVersionContent } from './version-record.js';

/** A problem found in a host's history: the snapshot it shows in, or null for the history as a whole. */
export type ReportProblem = (snapshotId: number | null, message: string) => void;

/**
 * Snapshots per read: each window reads its snapshot rows and the versions they opened
 * in two queries, so that a year (105,120 snapshots) is about 50 windows, and memory holds
 * one window plus the versions alive, never the whole history.
 */
const SNAPSHOTS_PER_WINDOW = 2000;

/**
 * Checks every snapshot of one host in one pass over its versions, in O(versions +
 * snapshots): walking the snapshots in order, the set hash of the alive versions' digests
 * (set-hash.ts) is updated by the versions each snapshot opens (recomputing each one's
 * digest from its stored content and owners, and comparing it with the stored one) and by
 * those it closes (remembered, by the snapshot that closes them, when they opened). Each
 * snapshot's socket count, content hash and prev_hash are then checked.
 *
 * After prune, the first remaining snapshot F opens every version alive in it (prune
 * moves opened_in up to F), so the walk starts there with no other state: the set at F is
 * rebuilt from the versions alive at F, once. F's prev_hash names a snapshot that is gone
 * and is not compared with anything; F's own hash still covers it.
 *
 * Returns the number of snapshots checked.
 */
export async function verifyHostHistory(
  db: Kysely<Database>,
  host: { id: number; name: string },
  problem: ReportProblem,
  /** told each snapshot checked, so that a caller can say where an SQLite error stopped the walk */
  checked: (snapshotId: number) => void = () => {},
): Promise<number> {
  const processes = await loadProcesses(db, host.id);
  const set = new SetHash();
  /** digests of alive versions, by the snapshot that closes them */
  const closing = new Map<number, string[]>();
  let alive = 0;
  let snapshots = 0;
  let versionsSeen = 0;
  let previousHash: string | undefined;
  let afterId = 0;
  for (;;) {
    const rows = await db
      .selectFrom('snapshots as s')
      .innerJoin('hosts as h', 'h.id', 's.host_id')
      .selectAll('s')
      .select('h.name as host')
      .where('s.host_id', '=', host.id)
      .where('s.id', '>', afterId)
      .orderBy('s.id', 'asc')
      .limit(SNAPSHOTS_PER_WINDOW)
      .execute();
    if (rows.length === 0) break;
    const versions = await openedVersions(db, host.id, rows[0]!.id, rows.at(-1)!.id);
    let next = 0;
    for (const raw of rows) {
      snapshots++;
      const id = raw.id;
      const closed = closing.get(id) ?? [];
      alive -= closed.length;
      closing.delete(id);
      const opened: string[] = [];
      // versions whose opened_in names no snapshot of this host are skipped here and
      // counted below as belonging to no snapshot
      while (next < versions.length && versions[next]!.openedIn < id) next++;
      for (; next < versions.length && versions[next]!.openedIn === id; next++) {
        const version = versions[next]!;
        versionsSeen++;
        const digest = recomputedDigest(version, processes, id, problem);
        if (version.closedIn !== null && version.closedIn <= id) {
          problem(id, `socket version ${version.id} is closed in snapshot ${version.closedIn}, not after snapshot ${id} that opened it`);
          continue;
        }
        opened.push(digest);
        alive++;
        if (version.closedIn !== null) {
          const list = closing.get(version.closedIn);
          if (list === undefined) closing.set(version.closedIn, [digest]);
          else list.push(digest);
        }
      }
      // one update per snapshot: with the addon, one call for all of its changes
      set.update(opened, closed);
      if (alive !== raw.socket_count) problem(id, `snapshot ${id} has ${alive} sockets stored but recorded ${raw.socket_count}`);
      // a row whose JSON columns do not decode is named with what is wrong, and the walk goes on
      const checkedRow = checkedSnapshotRow(raw);
      if (checkedRow.row === null) {
        problem(id, `snapshot ${id} is damaged: ${checkedRow.problems.join('; ')}`);
      } else {
        const row = checkedRow.row;
        const hash = snapshotHash({ meta: snapshotMeta(row), label: row.label, warnings: row.warnings, socketSetDigest: set.digest(), prevHash: row.prevHash });
        if (hash !== row.contentHash) problem(id, `snapshot ${id} does not match its content hash (stored content was altered or lost)`);
      }
      if (previousHash !== undefined && raw.prev_hash !== previousHash) {
        problem(id, `snapshot ${id} does not chain to the snapshot before it (prev_hash differs)`);
      }
      previousHash = raw.content_hash;
      checked(id);
    }
    afterId = rows.at(-1)!.id;
    if (rows.length < SNAPSHOTS_PER_WINDOW) break;
  }
  for (const [snapshotId, digests] of closing) {
    if (snapshotId <= afterId) problem(null, `${digests.length} socket versions of host ${host.name} are closed in snapshot ${snapshotId}, which is not one of its snapshots`);
  }
  const stored = await db
    .selectFrom('socket_versions')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('host_id', '=', host.id)
    .executeTakeFirstOrThrow();
  if (Number(stored.count) !== versionsSeen) {
    problem(null, `${Number(stored.count) - versionsSeen} socket versions of host ${host.name} belong to no snapshot`);
  }
  return snapshots;
}

interface OpenedVersion {
  id: number;
  openedIn: number;
  closedIn: number | null;
  digest: string;
  content: string;
  owners: { processId: number; fd: number }[];
}

/**
 * The host's versions opened in snapshots first..last, ordered by opened_in then id, with
 * their owner links: one query, read along the (host_id, opened_in) index, one row per
 * owner (a version without owners is one row with null owner columns).
 */
async function openedVersions(db: Kysely<Database>, hostId: number, first: number, last: number): Promise<OpenedVersion[]> {
  const rows = await db
    .selectFrom('socket_versions as v')
    .leftJoin('socket_owners as o', 'o.version_id', 'v.id')
    .select(['v.id', 'v.opened_in', 'v.closed_in', 'v.digest', 'v.content', 'o.process_id', 'o.fd'])
    .where('v.host_id', '=', hostId)
    .where('v.opened_in', '>=', first)
    .where('v.opened_in', '<=', last)
    .orderBy('v.opened_in')
    .orderBy('v.id')
    .execute();
  const versions: OpenedVersion[] = [];
  let current: OpenedVersion | undefined;
  for (const row of rows) {
    if (current === undefined || current.id !== row.id) {
      current = { id: row.id, openedIn: row.opened_in, closedIn: row.closed_in, digest: row.digest, content: row.content, owners: [] };
      versions.push(current);
    }
    if (row.process_id !== null && row.fd !== null) current.owners.push({ processId: row.process_id, fd: row.fd });
  }
  return versions;
}

type ProcessRow = Omit<SocketOwner, 'fd'>;

async function loadProcesses(db: Kysely<Database>, hostId: number): Promise<Map<number, ProcessRow>> {
  const rows = await db.selectFrom('processes').select(['id', 'pid', 'comm', 'exe', 'cmdline', 'uid', 'user']).where('host_id', '=', hostId).execute();
  return new Map(rows.map(({ id, ...process }) => [id, process]));
}

/**
 * The version's digest recomputed from what is stored (content and owners), reporting a
 * difference from the stored digest: a wrong stored digest would make the next snapshot
 * pair sockets wrongly. A missing owner process drops that owner (so the digest differs).
 */
function recomputedDigest(version: OpenedVersion, processes: Map<number, ProcessRow>, snapshotId: number, problem: ReportProblem): string {
  const owners: SocketOwner[] = [];
  for (const link of version.owners) {
    const process = processes.get(link.processId);
    if (process !== undefined) owners.push({ ...process, fd: link.fd });
  }
  let digest: string;
  try {
    digest = versionDigest(canonicalSocket(decodeVersionContent(version.content, owners.length > 1 ? sortOwners(owners) : owners)));
  } catch {
    problem(snapshotId, `socket version ${version.id} (opened in snapshot ${snapshotId}) is damaged: its content cannot be read`);
    return `damaged:${version.id}`;
  }
  if (digest !== version.digest) problem(snapshotId, `socket version ${version.id} (opened in snapshot ${snapshotId}) does not match its stored digest`);
  return digest;
}
