import { createHash } from 'node:crypto';
import type { InventoryMeta, InventoryWarning } from '../model/socket-record.js';

/** What a snapshot's content hash covers, besides its sockets. */
export interface HashedSnapshot {
  meta: InventoryMeta;
  label: string | null;
  warnings: InventoryWarning[];
  /** versionDigest(canonicalSocket()) of every socket, sorted and joined with '\n' (sortedDigestLines) */
  socketDigestLines: string;
  prevHash: string | null;
}

/**
 * SHA-256 (hex) over a snapshot's canonical content: its metadata, label, warnings, the
 * sorted digests of its sockets' canonical strings, and the previous snapshot's hash, which chains the
 * snapshots of a host so that removing or rewriting one in the middle shows. Sorting makes
 * the hash independent of collection order.
 *
 * @example snapshotHash({ meta, label: null, warnings: [], socketDigests: [], prevHash: null })
 *   -> 64 hex digits; any change to any field gives another value
 */
export function snapshotHash(snapshot: HashedSnapshot): string {
  const { meta } = snapshot;
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      'sockaudit-snapshot-v1',
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
    ]),
  );
  // one update with every digest: per-call overhead dominates for short strings
  hash.update('\n' + snapshot.socketDigestLines);
  return hash.digest('hex');
}
