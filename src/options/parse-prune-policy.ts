import { UsageError } from '../errors.js';
import type { PrunePolicy } from '../store/prune-snapshots.js';
import type { SnapshotSelector } from '../store/snapshot-selector.js';
import { parseSnapshotSelector } from './parse-snapshot-selector.js';

/**
 * Exactly one of --keep N (already a count: parseCount) and --older-than AGE|TIME, as the
 * policy prune applies; `now` anchors an age.
 *
 * @example parsePrunePolicy({ keep: 100 }, now)          -> { keep: 100 }
 *          parsePrunePolicy({ olderThan: '30d' }, now)   -> { olderThan: now minus 30 days, ISO }
 *          parsePrunePolicy({ olderThan: '@x' }, now)    throws '--older-than: expected an age such as 30d, ...'
 */
export function parsePrunePolicy(flags: { keep?: number; olderThan?: unknown }, now: Date): PrunePolicy {
  if ((flags.keep === undefined) === (flags.olderThan === undefined)) {
    throw new UsageError('prune needs exactly one of --keep N and --older-than AGE (e.g. --keep 100, --older-than 30d)');
  }
  if (flags.keep !== undefined) return { keep: flags.keep };
  const olderThan = String(flags.olderThan);
  let selector: SnapshotSelector;
  try {
    selector = parseSnapshotSelector(olderThan, now);
  } catch (error) {
    // the selector's own words ("snapshot selector X: too far back") under this flag's name
    if (error instanceof UsageError) throw new UsageError(`--older-than ${error.message.replace(/^(unknown )?snapshot selector /, '')}`);
    throw error;
  }
  if (selector.kind !== 'at-or-before') {
    throw new UsageError(`--older-than: expected an age such as 30d, 12h, 2w or an ISO time, got "${olderThan}"`);
  }
  return { olderThan: selector.time };
}
