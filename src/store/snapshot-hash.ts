import { createHash } from 'node:crypto';
import type { InventoryMeta, InventoryWarning } from '../model/socket-record.js';

/** What a snapshot's content hash covers, besides its sockets. */
export interface HashedSnapshot {
  meta: InventoryMeta;
  label: string | null;
  warnings: InventoryWarning[];
  /** SetHash digest of the multiset of versionDigest(canonicalSocket()) of its sockets (set-hash.ts) */
  socketSetDigest: string;
  prevHash: string | null;
}

/**
 * SHA-256 (hex) over a snapshot's canonical content: its metadata, label, warnings, the
 * set hash of its sockets' digests, and the previous snapshot's hash, which chains the
 * snapshots of a host so that removing or rewriting one in the middle shows. The set hash
 * is independent of collection order and is updated by each snapshot's changes (set-hash.ts),
 * so that verify checks a snapshot without rebuilding its sorted socket list.
 *
 * Rule v2 (migration 0005 rewrote v1 hashes, which covered the sorted digests themselves).
 *
 * @example snapshotHash({ meta, label: null, warnings: [], socketSetDigest: new SetHash().digest(), prevHash: null })
 *   -> 64 hex digits; any change to any field gives another value
 */
export function snapshotHash(snapshot: HashedSnapshot): string {
  const { meta } = snapshot;
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      'sockaudit-snapshot-v2',
      meta.host,
      meta.takenAt,
      meta.bootId,
      meta.kernel,
      meta.procRoot,
      meta.toolVersion,
      meta.durationMs,
      meta.namespaces.map((ns) => [ns.inode, ns.name, ns.readerPid, ns.readable]),
      meta.ephemeralPorts,
      snapshot.label,
      snapshot.warnings.map((warning) => [warning.code, warning.message, warning.count]),
      snapshot.prevHash,
      snapshot.socketSetDigest,
    ]),
  );
  return hash.digest('hex');
}
