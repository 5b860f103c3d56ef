import { UsageError } from '../errors.js';
import type { Store } from './open-store.js';
import { groupSelectorWords, parseSnapshotSelector, type SnapshotSelector } from './snapshot-selector.js';
import { findHostId, selectSnapshots, toSnapshotRow, type SnapshotRow } from './snapshot-row.js';

/**
 * The snapshot a selector names, among `host`'s snapshots (an id names one snapshot of
 * any host). `last N` on its own names the N-th newest. A selector that matches nothing is
 * a UsageError naming it.
 */
export async function resolveSnapshot(store: Store, host: string, selector: string, now: Date = new Date()): Promise<SnapshotRow> {
  return resolveParsed(store, host, parseSnapshotSelector(selector, now));
}

/** Both ends of a diff. */
export interface SnapshotPair {
  from: SnapshotRow;
  to: SnapshotRow;
}

/**
 * FROM and TO for a diff from its positional words: none means `last 2`; `last N` means
 * the N-th newest and the newest; one other selector means from it to the newest; two
 * selectors are FROM and TO.
 *
 * @example resolveSnapshotPair(store, 'web1', [])              -> second newest, newest
 *          resolveSnapshotPair(store, 'web1', ['last', '5'])   -> fifth newest, newest
 *          resolveSnapshotPair(store, 'web1', ['@before', '12']) -> the newest labelled "before", snapshot 12
 */
export async function resolveSnapshotPair(store: Store, host: string, words: readonly string[], now: Date = new Date()): Promise<SnapshotPair> {
  const selectors = groupSelectorWords(words);
  if (selectors.length > 2) {
    throw new UsageError(`expected at most two snapshot selectors (FROM and TO), got ${selectors.length}: ${selectors.join(', ')}`);
  }
  const parsed = selectors.map((selector) => parseSnapshotSelector(selector, now));
  const first = parsed[0] ?? parseSnapshotSelector('last 2', now);
  const second = parsed[1];
  if (second === undefined) {
    const latest = parseSnapshotSelector('latest', now);
    return { from: await resolveParsed(store, host, first), to: await resolveParsed(store, host, latest) };
  }
  return { from: await resolveParsed(store, host, first), to: await resolveParsed(store, host, second) };
}

/** Several words on a command line that name one snapshot, e.g. `show last 3` or `show 2h ago`. */
export async function resolveSnapshotWords(store: Store, host: string, words: readonly string[], now: Date = new Date()): Promise<SnapshotRow> {
  const selectors = groupSelectorWords(words);
  if (selectors.length === 0) return resolveSnapshot(store, host, 'latest', now);
  if (selectors.length > 1) throw new UsageError(`expected one snapshot selector, got ${selectors.length}: ${selectors.join(', ')}`);
  return resolveSnapshot(store, host, selectors[0]!, now);
}

async function resolveParsed(store: Store, host: string, selector: SnapshotSelector): Promise<SnapshotRow> {
  const noMatch = (why: string) => new UsageError(`snapshot selector "${selector.text}" matches no snapshot${why}`);
  if (selector.kind === 'id') {
    const row = await selectSnapshots(store.db).where('s.id', '=', selector.id).executeTakeFirst();
    if (row === undefined) throw noMatch('');
    return toSnapshotRow(row);
  }
  const hostId = await findHostId(store.db, host);
  if (hostId === undefined) throw noMatch(` (no snapshots of host "${host}" yet)`);
  const ofHost = selectSnapshots(store.db).where('s.host_id', '=', hostId);
  switch (selector.kind) {
    case 'nth-newest': {
      const row = await ofHost.orderBy('s.id', 'desc').offset(selector.n - 1).limit(1).executeTakeFirst();
      if (row === undefined) throw noMatch(` of host "${host}" (it has fewer than ${selector.n} snapshots)`);
      return toSnapshotRow(row);
    }
    case 'label': {
      const row = await ofHost.where('s.label', '=', selector.label).orderBy('s.id', 'desc').limit(1).executeTakeFirst();
      if (row === undefined) throw noMatch(` of host "${host}"`);
      return toSnapshotRow(row);
    }
    case 'at-or-before': {
      const row = await ofHost
        .where('s.taken_at', '<=', selector.time)
        .orderBy('s.taken_at', 'desc')
        .orderBy('s.id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (row === undefined) throw noMatch(` of host "${host}" taken at or before ${selector.time}`);
      return toSnapshotRow(row);
    }
  }
}
