import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { StorageError } from '../errors.js';
import type { Database } from './database-schema.js';
import type { Store } from './open-store.js';
import { findHostId } from './snapshot-row.js';
import { storeDialectOf } from './store-dialect.js';
import { asStorageError, inWriteTransaction } from './write-transaction.js';

/** Which of a host's snapshots to remove: all but the newest `keep`, or those taken before a time. */
export type PrunePolicy = { keep: number } | { olderThan: string };

export interface PruneResult {
  host: string;
  removedSnapshots: number;
  removedVersions: number;
  /** `watch` events seen before the oldest kept snapshot (they belong to the pruned part of the history only) */
  removedEvents: number;
  keptSnapshots: number;
  /** the oldest snapshot left, or null when the host has none */
  oldestKept: number | null;
  /** the database file's size in bytes (its WAL folded in) before and after, when known */
  fileBytes?: { before: number; after: number };
}

export interface PruneOptions {
  /** rewrite the file without its free pages afterwards (VACUUM): the file shrinks, at the cost of a full copy */
  vacuum?: boolean;
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
 * - `watch` events tied to a removed snapshot (after_snapshot < F: seen after it and
 *   before F was taken) or to none (seen before the host's first snapshot) are deleted:
 *   no diff of kept snapshots can show them, and a retention that kept them would keep
 *   the bulk of a watched host's store (thousands of events per snapshot under churn).
 *   Events after F stay; `events --since` reaches back to F's time at most.
 * - F keeps its prev_hash (the hash of a snapshot that is gone): verify checks a prev_hash
 *   against its predecessor only where that predecessor still exists, while F's own hash
 *   still covers the prev_hash it was written with.
 */
export async function pruneSnapshots(store: Store, host: string, policy: PrunePolicy, options: PruneOptions = {}): Promise<PruneResult> {
  const empty: PruneResult = { host, removedSnapshots: 0, removedVersions: 0, removedEvents: 0, keptSnapshots: 0, oldestKept: null };
  const hostId = await findHostId(store.db, host);
  if (hostId === undefined) return empty;
  const before = await databaseBytes(store.db);
  const result = await withoutForeignKeyChecks(store.db, (connection) => removePrefix(connection, hostId, host, policy, empty));
  await compact(store.db, options.vacuum === true);
  if (before !== null) {
    const after = await databaseBytes(store.db);
    if (after !== null) result.fileBytes = { before, after };
  }
  return result;
}

/**
 * Runs `body` in a write transaction with SQLite's per-row foreign key checks off, then
 * checks every reference once (PRAGMA foreign_key_check) before committing. Why: deleting
 * a snapshot row makes SQLite look for versions that reference it by opened_in and by
 * closed_in, and no index starts with either column (the indexes start with host_id), so
 * each deleted snapshot scanned socket_versions: pruning 8,000 of 10,000 snapshots of a
 * 10,000-socket host took 7.5 s, and 79,000 of a year would scan it 79,000 times. One
 * check of every row's references costs one index lookup per row. The pragma cannot change
 * inside a transaction, so it is set on this connection around it, and set back.
 */
async function withoutForeignKeyChecks<T>(db: Kysely<Database>, body: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const dialect = storeDialectOf(db);
  return db.connection().execute(async (connection) =>
    dialect.withoutRowForeignKeyChecks(connection, () =>
      inWriteTransaction(connection, async (trx) => {
        const value = await body(trx);
        const dangling = await dialect.danglingReferences(trx);
        if (dangling.length > 0) {
          const first = dangling[0]!;
          throw new StorageError(`prune stopped: it would leave ${dangling.length} dangling references (the first in ${first.table}, to ${first.parent}); nothing was removed. Run sockaudit verify`);
        }
        return value;
      }),
    ),
  );
}

/**
 * What prune does to the file: SQLite keeps the pages it freed inside the file and reuses
 * them for the next snapshots, so without --vacuum the file keeps its size (and stops
 * growing until the freed space is used up); with --vacuum it is rewritten without them
 * and shrinks (this needs free disk space for a copy, and time in proportion to what is
 * kept). Either way the WAL, which grew to hold everything the prune deleted, is folded
 * into the file and truncated. (PostgreSQL: autovacuum, or VACUUM with --vacuum.)
 */
async function compact(db: Kysely<Database>, vacuum: boolean): Promise<void> {
  try {
    await storeDialectOf(db).compact(db, vacuum);
  } catch (error) {
    throw asStorageError(error, db);
  }
}

/** The store's size in bytes (SQLite: as if the WAL were folded in); null if unknown. */
async function databaseBytes(db: Kysely<Database>): Promise<number | null> {
  try {
    return await storeDialectOf(db).storedBytes(db);
  } catch {
    return null;
  }
}

async function removePrefix(db: Kysely<Database>, hostId: number, host: string, policy: PrunePolicy, empty: PruneResult): Promise<PruneResult> {
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
  const result: PruneResult = { host, removedSnapshots: removed.length, removedVersions: 0, removedEvents: 0, keptSnapshots: snapshots.length - removed.length, oldestKept: firstKept };
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
  const events = await db
    .deleteFrom('watch_events')
    .where('host_id', '=', hostId)
    .where((eb) => eb.or([eb('after_snapshot', '<', firstKept), eb('after_snapshot', 'is', null)]))
    .executeTakeFirst();
  result.removedEvents = Number(events.numDeletedRows);
  await db
    .deleteFrom('processes')
    .where('host_id', '=', hostId)
    .where('id', 'not in', db.selectFrom('socket_owners').select('process_id').where('host_id', '=', hostId))
    .execute();
  return result;
}

/** Index (newest first) of the first snapshot taken before `time`; everything older goes with it. */
function firstOlderThan(snapshots: { taken_at: string }[], time: string): number {
  const index = snapshots.findIndex((snapshot) => snapshot.taken_at < time);
  return index === -1 ? snapshots.length : index;
}

/** Below this many free bytes a failed open or write is the full disk's doing: SQLite needs its -shm (32 KiB) and WAL pages. */
const FULL_DISK_BYTES = 1024 * 1024;

/**
 * A prune that failed because the filesystem is full, said exactly: SQLite records the
 * deletions in its WAL before any page is freed, and opening the database already needs
 * room for its shared-memory file, so with (almost) no space left nothing can be removed.
 * Any other error, or one with space to spare, is returned unchanged.
 *
 * @example fullDiskError(new StorageError('cannot open ...: disk I/O error'), '/var/lib/s.db')
 *   -> StorageError 'prune cannot free space: the filesystem holding /var/lib/s.db is full (0 bytes free) ...'
 */
export function fullDiskError(error: unknown, location: string): unknown {
  if (!(error instanceof StorageError)) return error;
  let free: number;
  try {
    const stats = fs.statfsSync(path.dirname(location));
    free = stats.bavail * stats.bsize;
  } catch {
    return error;
  }
  if (free >= FULL_DISK_BYTES) return error;
  return new StorageError(
    `prune cannot free space: the filesystem holding ${location} is full (${free} bytes free); SQLite must write the deletions to its WAL (and open its -shm file) before any page is freed; free some space there first (e.g. remove other files), then run prune again (${error.message})`,
  );
}
