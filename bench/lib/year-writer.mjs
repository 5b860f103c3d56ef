/*
 * year-writer.mjs - stores the steps of year-history.mjs in a sockaudit database, many
 * snapshots per transaction, with the store's own encoders and hashes (dist/src/store).
 *
 *   const writer = await openYearWriter(store, 'year-host');
 *   await writer.write(steps, { perTransaction: 2000 });   // any number of calls, in order
 *
 * The first step goes through writeSnapshot, the store's API for one snapshot, exactly as
 * `sockaudit snapshot` stores it. The others are appended in bulk: writeSnapshot would
 * rebuild and match all 10,000 sockets of each snapshot (about 30 ms each: an hour for a
 * year), while the generator already knows what each snapshot opened and closed. The rows
 * written are the ones writeSnapshot writes for the same inventories: the same content
 * encoding, version digest, process fingerprint, set hash and content hash (the store's
 * functions, not copies), which test/store/year-writer.test.ts checks snapshot by snapshot
 * against writeSnapshot, and `sockaudit verify` checks for the whole year.
 */
import path from 'node:path';
import { REPO_ROOT } from './paths.mjs';

const dist = (file) => import(path.join(REPO_ROOT, 'dist/src/store', file));
const { writeSnapshot } = await dist('write-snapshot.js');
const { canonicalSocket, processFingerprint, sortOwners, versionDigest } = await dist('canonical-socket.js');
const { encodeVersionContent, versionSearchColumns } = await dist('version-record.js');
const { SetHash } = await dist('set-hash.js');
const { snapshotHash } = await dist('snapshot-hash.js');
const { saveSetHashHead } = await dist('set-hash-head.js');
const { inWriteTransaction } = await dist('write-transaction.js');
const { batches, rowsPerInsert } = await dist('batches.js');

const digestOf = (record) => versionDigest(canonicalSocket(record));
const ownerKey = (o) => JSON.stringify([o.pid, o.comm, o.exe, o.cmdline, o.uid, o.user]);

/**
 * A writer for one host of `store` (a Store from dist/src/store/open-store.js), continuing
 * its history if it has one written by this writer before (state is kept in the writer).
 */
export async function openYearWriter(store, host) {
  /** inode -> { id, digest } of every open version */
  const open = new Map();
  /** process description -> process id */
  const processIds = new Map();
  let hostId;
  let set;
  let prevHash = null;
  let lastSnapshotId = 0;
  let nextVersionId;
  let nextProcessId;
  let socketCount = 0;

  async function first(step) {
    const records = step.opened.map((record) => (record.owners.length > 1 ? { ...record, owners: sortOwners(record.owners) } : record));
    const summary = await writeSnapshot(store, { meta: step.meta, sockets: records, warnings: [] }, { host });
    hostId = (await store.db.selectFrom('hosts').select('id').where('name', '=', host).executeTakeFirstOrThrow()).id;
    const byDigest = new Map((await store.db.selectFrom('socket_versions').select(['id', 'digest']).where('host_id', '=', hostId).where('closed_in', 'is', null).execute()).map((row) => [row.digest, row.id]));
    for (const record of records) {
      const digest = digestOf(record);
      open.set(record.inode, { id: byDigest.get(digest), digest });
    }
    for (const row of await store.db.selectFrom('processes').select(['id', 'pid', 'comm', 'exe', 'cmdline', 'uid', 'user']).where('host_id', '=', hostId).execute()) processIds.set(ownerKey(row), row.id);
    set = SetHash.of(records.map(digestOf));
    prevHash = summary.contentHash;
    lastSnapshotId = summary.id;
    socketCount = records.length;
    nextVersionId = (await maxId('socket_versions')) + 1;
    nextProcessId = (await maxId('processes')) + 1;
  }

  async function maxId(table) {
    const row = await store.db.selectFrom(table).select((eb) => eb.fn.max('id').as('max_id')).executeTakeFirstOrThrow();
    return row.max_id ?? 0;
  }

  /** Appends steps (none of them a first one) in one transaction. */
  async function append(steps) {
    await inWriteTransaction(store.db, async (db) => {
      const snapshots = [];
      const versions = [];
      const versionsById = new Map();
      const owners = [];
      const processes = [];
      const closes = []; // [versionId, snapshotId] of versions written before this transaction
      for (const step of steps) {
        const id = ++lastSnapshotId;
        const openedDigests = [];
        const closedDigests = [];
        for (const inode of step.closed) {
          const version = open.get(inode);
          if (version === undefined) throw new Error(`inode ${inode} not open (${open.size} open)`);
          open.delete(inode);
          closedDigests.push(version.digest);
          const pending = versionsById.get(version.id);
          if (pending !== undefined) pending.closed_in = id;
          else closes.push([version.id, id]);
        }
        for (const raw of step.opened) {
          const record = raw.owners.length > 1 ? { ...raw, owners: sortOwners(raw.owners) } : raw;
          const digest = digestOf(record);
          const versionId = nextVersionId++;
          const row = { id: versionId, host_id: hostId, opened_in: id, closed_in: null, digest, content: encodeVersionContent(record), ...versionSearchColumns(record) };
          versions.push(row);
          versionsById.set(versionId, row);
          open.set(record.inode, { id: versionId, digest });
          openedDigests.push(digest);
          for (const o of record.owners) {
            let processId = processIds.get(ownerKey(o));
            if (processId === undefined) {
              processId = nextProcessId++;
              processIds.set(ownerKey(o), processId);
              processes.push({ id: processId, host_id: hostId, fingerprint: processFingerprint(o), pid: o.pid, comm: o.comm, exe: o.exe, cmdline: o.cmdline, uid: o.uid, user: o.user });
            }
            owners.push({ host_id: hostId, version_id: versionId, process_id: processId, fd: o.fd });
          }
        }
        set.update(openedDigests, closedDigests);
        socketCount += step.opened.length - step.closed.length;
        const { meta } = step;
        const contentHash = snapshotHash({ meta: { ...meta, host }, label: null, warnings: [], socketSetDigest: set.digest(), prevHash });
        snapshots.push({
          id, host_id: hostId, taken_at: meta.takenAt, boot_id: meta.bootId, kernel: meta.kernel, label: null, tool_version: meta.toolVersion,
          proc_root: meta.procRoot, duration_ms: meta.durationMs, socket_count: socketCount, warnings: '[]', namespaces: JSON.stringify(meta.namespaces),
          ephemeral_ports: meta.ephemeralPorts === null ? null : JSON.stringify(meta.ephemeralPorts), content_hash: contentHash, prev_hash: prevHash,
        });
        prevHash = contentHash;
      }
      for (const batch of batches(snapshots, rowsPerInsert(15))) await db.insertInto('snapshots').values(batch).execute();
      for (const batch of batches(processes, rowsPerInsert(9))) await db.insertInto('processes').values(batch).execute();
      for (const batch of batches(versions, rowsPerInsert(10))) await db.insertInto('socket_versions').values(batch).execute();
      for (const batch of batches(owners, rowsPerInsert(4))) await db.insertInto('socket_owners').values(batch).execute();
      const bySnapshot = new Map();
      for (const [versionId, snapshotId] of closes) bySnapshot.get(snapshotId)?.push(versionId) ?? bySnapshot.set(snapshotId, [versionId]);
      for (const [snapshotId, ids] of bySnapshot) {
        for (const batch of batches(ids, 5000)) await db.updateTable('socket_versions').set({ closed_in: snapshotId }).where('id', 'in', batch).execute();
      }
      await saveSetHashHead(db, hostId, lastSnapshotId, set);
    });
  }

  return {
    /** Stores `steps` (an iterable of year-history steps, continuing where the last call stopped). */
    async write(steps, { perTransaction = 2000, onProgress } = {}) {
      let pending = [];
      let written = 0;
      for (const step of steps) {
        if (hostId === undefined) {
          await first(step);
          written++;
          continue;
        }
        pending.push(step);
        if (pending.length >= perTransaction) {
          await append(pending);
          written += pending.length;
          pending = [];
          onProgress?.(written);
        }
      }
      if (pending.length > 0) await append(pending);
      written += pending.length;
      onProgress?.(written);
      return written;
    },
    get lastSnapshotId() {
      return lastSnapshotId;
    },
  };
}
