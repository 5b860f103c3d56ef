import type { DiffResult, SnapshotRef } from './diff-result.js';

/** What every renderer takes: the result and which snapshots it compares. */
export interface DiffReport {
  from: SnapshotRef;
  to: SnapshotRef;
  result: DiffResult;
}
