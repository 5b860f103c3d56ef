import type { Insertable, Kysely } from 'kysely';
import type { Inventory, InventoryWarning, SocketOwner, SocketRecord } from '../model/socket-record.js';
import { batches, rowsPerInsert } from './batches.js';
import { processFingerprint, sortOwners } from './canonical-socket.js';
import type { Database } from './database-schema.js';
import { loadOpenDigests } from './load-versions.js';
import { matchDigests } from './digest-match.js';
import { PushRefusal } from './push-refusal.js';
import { nextSetHash, saveSetHashHead } from './set-hash-head.js';
import { snapshotHash } from './snapshot-hash.js';
import { storeDialectOf } from './store-dialect.js';
import { versionDigests } from './version-digests.js';
import type { Store } from './open-store.js';
import { encodeVersionContent, versionSearchColumns, type VersionInsert } from './version-record.js';
import { inWriteTransaction } from './write-transaction.js';

export interface WriteSnapshotOptions {
  host: string;
  label?: string | null;
  /** the host's open versions read ahead (readOpenState); used only if still current. */
  openState?: OpenState | null;
  /**
   * Runs first under the write lock; what it returns is added to the snapshot's warnings,
   * and what it throws stores nothing (the witness check, witness-guard.ts).
   */
  guard?: (db: Kysely<Database>) => Promise<InventoryWarning[]>;
  /**
   * A snapshot pushed from a host's own store (push-snapshots.ts): it must follow the
   * host's latest snapshot here (its prev_hash is that snapshot's hash; a host's first
   * snapshot here adopts the prev_hash it had, which a pruned history left naming a
   * snapshot that is gone) and hash here to what the host recorded, or nothing is written
   * and a PushRefusal says why.
   */
  pushed?: { contentHash: string; prevHash: string | null };
  /**
   * The sockets' digests as the pushing host stored them, in inventory order: a socket
   * whose digest matches an open version here costs nothing, as always; every other one
   * becomes a new version only after its digest is recomputed here from its content and
   * found equal (else a PushRefusal). Saves hashing every socket of every pushed snapshot.
   */
  claimedDigests?: readonly string[];
}

/** The host's latest snapshot and the versions open after it, as read by readOpenState. */
export interface OpenState {
  host: string;
  hostId: number;
  previousId: number;
  openVersions: { id: number; digest: string }[];
}

/**
 * Reads what writeSnapshot compares with (the host's open versions: 10,000 rows at 10,000
 * sockets, about 10 ms) ahead of it and outside the write lock, so that `snapshot` can do
 * it while the collection waits for the kernel. One read transaction, so that the open
 * versions are those after the latest snapshot read with them; writeSnapshot uses them
 * only if that snapshot is still the host's latest under its lock (another run may have
 * written one since). null when the host has no snapshot yet.
 */
export async function readOpenState(store: Store, host: string): Promise<OpenState | null> {
  return store.db.transaction().execute(async (db) => {
    const hostRow = await db.selectFrom('hosts').select('id').where('name', '=', host).executeTakeFirst();
    if (hostRow === undefined) return null;
    const previous = await latestSnapshot(db, hostRow.id);
    if (previous === undefined) return null;
    return { host, hostId: hostRow.id, previousId: previous.id, openVersions: await loadOpenDigests(db, hostRow.id) };
  });
}

function latestSnapshot(db: Kysely<Database>, hostId: number) {
  return db
    .selectFrom('snapshots')
    .select(['id', 'boot_id', 'content_hash'])
    .where('host_id', '=', hostId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** What `snapshot` reports (docs/design.md: `snapshot --json`, minus the command's own timing). */
export interface SnapshotSummary {
  id: number;
  takenAt: string;
  host: string;
  label: string | null;
  socketCount: number;
  /** version rows written: new or changed sockets (opened), vanished or changed ones (closed) */
  written: { opened: number; closed: number };
  warnings: InventoryWarning[];
  contentHash: string;
  /**
   * The host's open versions after this snapshot (all of them were read, given or written
   * by the write): what the next write of the same host may take as its read-ahead (push
   * writes snapshot after snapshot).
   */
  openStateAfter: OpenState;
}

interface PreparedSocket {
  record: SocketRecord;
  digest: string;
}

/**
 * Stores an inventory as the host's next snapshot, writing only what changed since the
 * host's previous snapshot (docs/design.md, "Storage"): a socket whose canonical string (its
 * instance and content, queues aside) matches an open version, compared by digest, costs
 * nothing; an open version that matches nothing gets closed_in; the rest become new
 * versions. A new boot id closes every open version first, since inodes only mean
 * something within one boot.
 *
 * Everything happens in one write transaction: a run killed at any point leaves no trace,
 * and concurrent runs queue on the lock and chain their hashes in commit order.
 */
export async function writeSnapshot(store: Store, inventory: Inventory, options: WriteSnapshotOptions): Promise<SnapshotSummary> {
  const meta = { ...inventory.meta, host: options.host };
  const label = options.label ?? null;
  // the canonical strings are built before the write lock is taken; their digests are
  // hashed on a pool thread (version-digests.ts) while the transaction reads the host's
  // previous snapshot and open versions
  const records = inventory.sockets.map((socket) => (socket.owners.length > 1 ? { ...socket, owners: sortOwners(socket.owners) } : socket));
  const hashing = options.claimedDigests !== undefined ? Promise.resolve(options.claimedDigests) : versionDigests(records);
  hashing.catch(() => {}); // a transaction that fails first (a busy database) reports its own error

  return inWriteTransaction(store.db, async (db) => {
    const guardWarnings = options.guard === undefined ? [] : await options.guard(db);
    const warnings = guardWarnings.length === 0 ? inventory.warnings : [...inventory.warnings, ...guardWarnings];
    const hostId = await ensureHost(db, options.host);
    const previous = await latestSnapshot(db, hostId);
    // a new boot id closes every open version: inodes only mean something within one boot
    const newBoot = previous !== undefined && previous.boot_id !== meta.bootId;
    const { openState } = options;
    const readAhead = openState !== undefined && openState !== null && openState.host === options.host && openState.hostId === hostId && openState.previousId === previous?.id;
    const openVersions = previous === undefined || newBoot ? null : readAhead ? openState.openVersions : await loadOpenDigests(db, hostId);
    const digests = await hashing;
    const prepared: PreparedSocket[] = records.map((record, index) => ({ record, digest: digests[index]! }));
    const match = openVersions === null ? null : matchDigests(digests, openVersions.map((version) => version.digest));
    if (options.claimedDigests !== undefined) await checkClaimedDigests(records, digests, match === null ? null : match.unmatched);
    const { pushed } = options;
    if (pushed !== undefined && previous !== undefined && previous.content_hash !== pushed.prevHash) {
      throw new PushRefusal('follows', `it does not follow the latest snapshot of host ${options.host} here (#${previous.id})`, previous.content_hash);
    }
    const prevHash = previous?.content_hash ?? pushed?.prevHash ?? null;
    const change =
      previous === undefined || openVersions === null || match === null
        ? null
        : {
            previousId: previous.id,
            opened: match.unmatched.map((position) => digests[position]!),
            closed: match.vanished.map((position) => openVersions[position]!.digest),
          };
    const socketSet = await nextSetHash(db, hostId, digests, change);
    const contentHash = snapshotHash({
      meta,
      label,
      warnings,
      socketSetDigest: socketSet.digest(),
      prevHash,
    });
    if (pushed !== undefined && contentHash !== pushed.contentHash) {
      throw new PushRefusal('hash', 'its content hash, computed here from what was pushed, differs from the one the host recorded');
    }
    const inserted = await db
      .insertInto('snapshots')
      .values({
        host_id: hostId,
        taken_at: meta.takenAt,
        boot_id: meta.bootId,
        kernel: meta.kernel,
        label,
        tool_version: meta.toolVersion,
        proc_root: meta.procRoot,
        duration_ms: meta.durationMs,
        socket_count: prepared.length,
        warnings: JSON.stringify(warnings),
        namespaces: JSON.stringify(meta.namespaces),
        ephemeral_ports: meta.ephemeralPorts === null ? null : JSON.stringify(meta.ephemeralPorts),
        content_hash: contentHash,
        prev_hash: prevHash,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const snapshotId = inserted.id;

    let closed = 0;
    let opened = prepared;
    let kept: { id: number; digest: string }[] = [];
    if (newBoot) {
      // another boot: the same inode number is another socket now
      const result = await db
        .updateTable('socket_versions')
        .set({ closed_in: snapshotId })
        .where('host_id', '=', hostId)
        .where('closed_in', 'is', null)
        .executeTakeFirst();
      closed = Number(result.numUpdatedRows);
    } else if (openVersions !== null && match !== null) {
      opened = match.unmatched.map((position) => prepared[position]!);
      const vanished = match.vanished.map((position) => openVersions[position]!.id);
      for (const ids of batches(vanished, 5000)) {
        await db.updateTable('socket_versions').set({ closed_in: snapshotId }).where('id', 'in', ids).execute();
      }
      closed = vanished.length;
      const gone = new Set(match.vanished);
      kept = openVersions.filter((_, position) => !gone.has(position));
    }
    const added = await insertVersions(db, hostId, snapshotId, opened);
    await saveSetHashHead(db, hostId, snapshotId, socketSet);

    return {
      id: snapshotId,
      takenAt: meta.takenAt,
      host: options.host,
      label,
      socketCount: prepared.length,
      written: { opened: opened.length, closed },
      warnings,
      contentHash,
      openStateAfter: { host: options.host, hostId, previousId: snapshotId, openVersions: kept.concat(added) },
    };
  });
}

async function ensureHost(db: Kysely<Database>, host: string): Promise<number> {
  const existing = await db.selectFrom('hosts').select('id').where('name', '=', host).executeTakeFirst();
  if (existing !== undefined) return existing.id;
  const inserted = await db.insertInto('hosts').values({ name: host }).returning('id').executeTakeFirstOrThrow();
  return inserted.id;
}

/**
 * New version rows with their owners. Ids are assigned here (store-dialect.ts), under the write lock, so
 * that owner rows can reference versions without relying on the order of RETURNING rows.
 */
async function insertVersions(db: Kysely<Database>, hostId: number, snapshotId: number, sockets: PreparedSocket[]): Promise<{ id: number; digest: string }[]> {
  if (sockets.length === 0) return [];
  const processIds = await ensureProcesses(db, hostId, sockets.flatMap((socket) => socket.record.owners));
  const dialect = storeDialectOf(db);
  const ids = await dialect.allocateIds(db, 'socket_versions', sockets.length);
  const versions: VersionInsert[] = [];
  const owners: Insertable<Database['socket_owners']>[] = [];
  for (const [index, { record, digest }] of sockets.entries()) {
    const id = ids[index]!;
    const content = encodeVersionContent(record);
    const search = versionSearchColumns(record);
    versions.push({ id, host_id: hostId, opened_in: snapshotId, closed_in: null, digest, content, ...search, path: dialect.searchText(search.path) });
    for (const owner of record.owners) {
      owners.push({ host_id: hostId, version_id: id, process_id: processIds.get(ownerProcessKey(owner))!, fd: owner.fd });
    }
  }
  for (const batch of batches(versions, rowsPerInsert(10))) await db.insertInto('socket_versions').values(batch).execute();
  for (const batch of batches(owners, rowsPerInsert(4))) await db.insertInto('socket_owners').values(batch).execute();
  return versions.map((version) => ({ id: version.id, digest: version.digest }));
}

function ownerProcessKey(owner: SocketOwner): string {
  return JSON.stringify([owner.pid, owner.comm, owner.exe, owner.cmdline, owner.uid, owner.user]);
}

/** Process rows for every distinct owner description: existing ones reused, the rest inserted. */
async function ensureProcesses(db: Kysely<Database>, hostId: number, owners: SocketOwner[]): Promise<Map<string, number>> {
  const wanted = new Map<string, { fingerprint: string; owner: SocketOwner }>();
  for (const owner of owners) {
    const key = ownerProcessKey(owner);
    if (!wanted.has(key)) wanted.set(key, { fingerprint: processFingerprint(owner), owner });
  }
  const idsByFingerprint = new Map<string, number>();
  for (const batch of batches([...wanted.values()].map((entry) => entry.fingerprint), 5000)) {
    const rows = await db
      .selectFrom('processes')
      .select(['id', 'fingerprint'])
      .where('host_id', '=', hostId)
      .where('fingerprint', 'in', batch)
      .execute();
    for (const row of rows) idsByFingerprint.set(row.fingerprint, row.id);
  }
  const missing = [...wanted.values()].filter((entry) => !idsByFingerprint.has(entry.fingerprint));
  const newIds = await storeDialectOf(db).allocateIds(db, 'processes', missing.length);
  const inserts: Insertable<Database['processes']>[] = [];
  for (const [index, { fingerprint, owner }] of missing.entries()) {
    if (idsByFingerprint.has(fingerprint)) continue; // two descriptions with one fingerprint
    const id = newIds[index]!;
    idsByFingerprint.set(fingerprint, id);
    inserts.push({ id, host_id: hostId, fingerprint, pid: owner.pid, comm: owner.comm, exe: owner.exe, cmdline: owner.cmdline, uid: owner.uid, user: owner.user });
  }
  for (const batch of batches(inserts, rowsPerInsert(9))) await db.insertInto('processes').values(batch).execute();
  const ids = new Map<string, number>();
  for (const [key, { fingerprint }] of wanted) ids.set(key, idsByFingerprint.get(fingerprint)!);
  return ids;
}

/** The claimed digests of the sockets that become new versions (all when `positions` is null), recomputed. */
async function checkClaimedDigests(records: readonly SocketRecord[], claimed: readonly string[], positions: readonly number[] | null): Promise<void> {
  const checked = positions ?? records.map((_, index) => index);
  const recomputed = await versionDigests(checked.map((position) => records[position]!));
  for (const [index, position] of checked.entries()) {
    if (recomputed[index] !== claimed[position]) throw new PushRefusal('hash', 'a socket\'s content does not match the digest its host stored for it');
  }
}
