import { NotFoundError } from '../errors.js';
import type { Store } from './open-store.js';
import type { SnapshotSelector } from './snapshot-selector.js';
import { findHostId, selectSnapshots, toSnapshotRow, type SnapshotRow } from './snapshot-row.js';

/**
 * The snapshot a selector names, among `host`'s snapshots (an id names one snapshot of
 * any host). A selector that matches nothing is a NotFoundError naming it.
 */
export async function resolveSnapshot(store: Store, host: string, selector: SnapshotSelector): Promise<SnapshotRow> {
  const noMatch = (why: string) => new NotFoundError(`snapshot selector "${selector.text}" matches no snapshot${why}`);
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
