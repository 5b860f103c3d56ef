import type { Inventory } from '../model/socket-record.js';
import { NotFoundError } from '../errors.js';
import { isAliveIn, loadVersionsAlive, manyOpenedBetween } from './load-versions.js';
import type { Store } from './open-store.js';
import { selectSnapshots, snapshotMeta, toSnapshotRow, type SnapshotRow } from './snapshot-row.js';
import { compareSockets, sortSockets } from './socket-order.js';

/** The row of snapshot `id`, or a NotFoundError naming it. */
export async function getSnapshotRow(store: Store, id: number): Promise<SnapshotRow> {
  const row = await selectSnapshots(store.db).where('s.id', '=', id).executeTakeFirst();
  if (row === undefined) throw new NotFoundError(`no snapshot ${id}`);
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
  const versions = await loadVersionsAlive(store.db, row.hostId, row.id, row.id);
  const sockets = sortSockets(versions.map((version) => version.record));
  return { meta: snapshotMeta(row), sockets, warnings: row.warnings };
}

/**
 * Two snapshots of one host at once, for a diff: when few versions opened between them,
 * every version alive in either is loaded and decoded once, and one that lives in both is the same record object in both
 * inventories (an unchanged socket, which a diff then skips cheaply). Unlike
 * readSnapshotOf, the sockets come in no particular order: the diff orders what it
 * reports itself, and sorting 50,000 sockets twice was an eighth of its time.
 */
export async function readSnapshotPair(store: Store, from: SnapshotRow, to: SnapshotRow): Promise<[Inventory, Inventory]> {
  const [first, last] = from.id <= to.id ? [from, to] : [to, from];
  // far apart (months of client connections between them), the versions alive in either
  // are a small part of those alive in any snapshot between: read each on its own (diff
  // 1 LAST of a year of a 10,000-socket host read 470,000 versions for 20,000). Below a
  // thousand versions between them the difference does not matter.
  if (from.hostId !== to.hostId || (await manyOpenedBetween(store.db, first.hostId, first.id, last.id, Math.max(1000, first.socketCount, last.socketCount)))) {
    return [await readSnapshotOf(store, from), await readSnapshotOf(store, to)];
  }
  const versions = await loadVersionsAlive(store.db, from.hostId, first.id, last.id);
  const inventoryOf = (row: SnapshotRow): Inventory => ({
    meta: snapshotMeta(row),
    sockets: versions.filter((version) => isAliveIn(version, row.id)).map((version) => version.record),
    warnings: row.warnings,
  });
  return [inventoryOf(from), inventoryOf(to)];
}

/** The order readSnapshot returns sockets in (compareSockets), as a comparator for sort(). */
export const orderSockets = compareSockets;
