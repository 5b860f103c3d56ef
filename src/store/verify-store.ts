import { canonicalSocket, versionDigest } from './canonical-socket.js';
import { loadVersions } from './load-versions.js';
import type { Store } from './open-store.js';
import { sortedDigestLines } from './digest-match.js';
import { snapshotHash } from './snapshot-hash.js';
import { selectSnapshots, snapshotMeta, toSnapshotRow } from './snapshot-row.js';

export interface VerifyProblem {
  host: string;
  /** the snapshot found bad, or null for a problem of the host's versions as a whole */
  snapshotId: number | null;
  message: string;
}

export interface VerifyResult {
  hosts: number;
  snapshots: number;
  problems: VerifyProblem[];
}

/**
 * Reconstructs every snapshot of every host and checks it against what was recorded when
 * it was written: its socket count, its content hash, and its prev_hash against the hash
 * of the snapshot before it (where that one still exists: prune removes a prefix, and the
 * oldest kept snapshot's prev_hash then names a snapshot that is gone; its own hash still
 * covers that prev_hash).
 *
 * Snapshots are rebuilt incrementally, walking each host's snapshots in order and applying
 * the versions each one opened and closed, which is independent of how readSnapshot
 * queries a single snapshot; both are checked by the round-trip tests.
 */
export async function verifyStore(store: Store): Promise<VerifyResult> {
  const result: VerifyResult = { hosts: 0, snapshots: 0, problems: [] };
  const hosts = await store.db.selectFrom('hosts').select(['id', 'name']).orderBy('id').execute();
  for (const host of hosts) {
    result.hosts++;
    const problem = (snapshotId: number | null, message: string) => result.problems.push({ host: host.name, snapshotId, message });
    const rows = (await selectSnapshots(store.db).where('s.host_id', '=', host.id).orderBy('s.id', 'asc').execute()).map(toSnapshotRow);
    const alive = new Map<number, string>(); // version id -> recomputed digest
    let versionsSeen = 0;
    let previousHash: string | undefined;
    for (const row of rows) {
      result.snapshots++;
      const closed = await store.db
        .selectFrom('socket_versions')
        .select(['id', 'opened_in'])
        .where('host_id', '=', host.id)
        .where('closed_in', '=', row.id)
        .execute();
      for (const version of closed) {
        if (!alive.delete(version.id)) problem(row.id, `socket version ${version.id} is closed in snapshot ${row.id} but was not alive before it`);
      }
      const opened = await loadVersions(store.db, host.id, { kind: 'opened-in', snapshotId: row.id }, { digests: true });
      for (const version of opened) {
        const digest = versionDigest(canonicalSocket(version.record));
        alive.set(version.id, digest);
        // a wrong stored digest would make the next snapshot pair sockets wrongly
        if (digest !== version.storedDigest) problem(row.id, `socket version ${version.id} (opened in snapshot ${row.id}) does not match its stored digest`);
      }
      versionsSeen += opened.length;

      if (alive.size !== row.socketCount) {
        problem(row.id, `snapshot ${row.id} has ${alive.size} sockets stored but recorded ${row.socketCount}`);
      }
      const hash = snapshotHash({
        meta: snapshotMeta(row),
        label: row.label,
        warnings: row.warnings,
        socketDigestLines: sortedDigestLines([...alive.values()]),
        prevHash: row.prevHash,
      });
      if (hash !== row.contentHash) problem(row.id, `snapshot ${row.id} does not match its content hash (stored content was altered or lost)`);
      if (previousHash !== undefined && row.prevHash !== previousHash) {
        problem(row.id, `snapshot ${row.id} does not chain to the snapshot before it (prev_hash differs)`);
      }
      previousHash = row.contentHash;
    }
    const stored = await store.db
      .selectFrom('socket_versions')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('host_id', '=', host.id)
      .executeTakeFirstOrThrow();
    if (Number(stored.count) !== versionsSeen) {
      problem(null, `${Number(stored.count) - versionsSeen} socket versions of host ${host.name} belong to no snapshot`);
    }
  }
  return result;
}
