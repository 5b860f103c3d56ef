import type { Store } from './open-store.js';
import { verifyHostHistory } from './verify-host-history.js';

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
 * Checks every snapshot of every host against what was recorded when it was written: its
 * socket count, its content hash (which covers the set hash of its sockets), and its
 * prev_hash against the hash of the snapshot before it (where that one still exists:
 * prune removes a prefix, and the oldest kept snapshot's prev_hash then names a snapshot
 * that is gone; its own hash still covers that prev_hash). One pass over each host's
 * versions (verify-host-history.ts): a year of snapshots costs its changes, not snapshots
 * x sockets.
 */
export async function verifyStore(store: Store): Promise<VerifyResult> {
  const result: VerifyResult = { hosts: 0, snapshots: 0, problems: [] };
  const hosts = await store.db.selectFrom('hosts').select(['id', 'name']).orderBy('id').execute();
  for (const host of hosts) {
    result.hosts++;
    result.snapshots += await verifyHostHistory(store.db, host, (snapshotId, message) => result.problems.push({ host: host.name, snapshotId, message }));
  }
  return result;
}
