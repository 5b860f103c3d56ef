import type { Inventory } from '../inventory/socket-record.js';
import { UsageError } from '../errors.js';
import { loadVersionsAt } from './load-versions.js';
import type { Store } from './open-store.js';
import { selectSnapshots, snapshotMeta, toSnapshotRow, type SnapshotRow } from './snapshot-row.js';
import { compareSockets, sortSockets } from './socket-order.js';

/** The row of snapshot `id`, or a UsageError naming it. */
export async function getSnapshotRow(store: Store, id: number): Promise<SnapshotRow> {
  const row = await selectSnapshots(store.db).where('s.id', '=', id).executeTakeFirst();
  if (row === undefined) throw new UsageError(`no snapshot ${id}`);
  return toSnapshotRow(row);
}

/**
 * Snapshot `id` as the inventory that was stored: its metadata and warnings, and every
 * socket version alive in it, owners sorted by pid then fd, sockets in compareSockets
 * order. recvQueue and sendQueue are null (queues are not stored).
 */
export async function readSnapshot(store: Store, id: number): Promise<Inventory> {
  const row = await getSnapshotRow(store, id);
  return readSnapshotOf(store, row);
}

/** readSnapshot for a row already resolved (by a selector, say). */
export async function readSnapshotOf(store: Store, row: SnapshotRow): Promise<Inventory> {
  const versions = await loadVersionsAt(store.db, row.hostId, row.id);
  const sockets = sortSockets(versions.map((version) => version.record));
  return { meta: snapshotMeta(row), sockets, warnings: row.warnings };
}

/** The order readSnapshot returns sockets in (compareSockets), as a comparator for sort(). */
export const orderSockets = compareSockets;
