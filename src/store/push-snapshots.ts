import type { Store } from './open-store.js';
import { PushRefusal } from './push-refusal.js';
import { listHosts, listSnapshots } from './list-snapshots.js';
import { loadVersions } from './load-versions.js';
import { findHostId, type SnapshotRow } from './snapshot-row.js';
import { readOpenState, writeSnapshot, type OpenState } from './write-snapshot.js';
import type { Inventory, SocketRecord } from '../model/socket-record.js';
import { snapshotMeta } from './snapshot-row.js';

export interface PushHostResult {
  host: string;
  /** snapshots written to the central store by this run */
  pushed: number;
  /** the host's snapshots the central store already had */
  present: number;
  /** the central store's latest snapshot of the host after this run, or null */
  centralHead: number | null;
  /** why the host's history was refused, naming the local snapshot; null when it was not */
  refused: { snapshotId: number; takenAt: string; reason: string } | null;
}

export interface PushOptions {
  /** only these hosts (default: every host of the local store) */
  hosts?: string[];
  /** called after each snapshot lands, for progress output */
  onPushed?: (host: string, localId: number, centralId: number) => void;
}

/**
 * Ships every snapshot of the local store that the central store does not have yet, host
 * by host, oldest first, each in its own transaction (writeSnapshot's): a run killed or cut
 * off at any point leaves the central store at a snapshot of the host's history, and the
 * next run starts after it. Never a duplicate: the next snapshot to push is found by the
 * central store's latest hash for the host; never a gap: the central store writes a pushed
 * snapshot only if it follows its latest one (checked under its write lock), and only if
 * the hash it computes from what was pushed is the one the host recorded.
 *
 * A host whose local history does not contain the central store's latest snapshot (its
 * SQLite lost snapshots, was restored from an older copy, or was rewritten) is refused:
 * nothing more of it is pushed, and the refusal is recorded centrally (push_refusals),
 * so that the central history stays the witness of each host's.
 */
export async function pushSnapshots(local: Store, central: Store, options: PushOptions = {}): Promise<PushHostResult[]> {
  const hosts = options.hosts ?? (await listHosts(local));
  const results: PushHostResult[] = [];
  for (const host of hosts) results.push(await pushHost(local, central, host, options));
  return results;
}

async function pushHost(local: Store, central: Store, host: string, options: PushOptions): Promise<PushHostResult> {
  const history = (await listSnapshots(local, host)).reverse(); // oldest first
  const result: PushHostResult = { host, pushed: 0, present: 0, centralHead: null, refused: null };
  if (history.length === 0) return result;
  const cursor = new HistoryCursor(local);
  let centralOpen: OpenState | null = null;
  let head = await centralHead(central, host);
  let next = startAfter(history, head?.contentHash ?? null);
  for (;;) {
    if (next === null) {
      const row = history.at(-1)!;
      return refuse(central, result, row, `the central store's latest snapshot of host ${host} (#${head!.id}, taken ${head!.takenAt}) is not in this host's history: its store lost snapshots or was rewritten`);
    }
    result.present = next - result.pushed;
    result.centralHead = head?.id ?? null;
    if (next >= history.length) return result;
    const row = history[next]!;
    // the central store's open versions are read while the local snapshot is built
    // the central store's open versions: as the previous write left them, or read while the local snapshot is built
    const [openState, { inventory, digests }] = await Promise.all([centralOpen ?? readOpenState(central, host), cursor.read(row, history[next - 1])]);
    try {
      const written = await writeSnapshot(central, inventory, { host, label: row.label, openState, claimedDigests: digests, pushed: { contentHash: row.contentHash, prevHash: row.prevHash } });
      result.pushed++;
      options.onPushed?.(host, row.id, written.id);
      head = { id: written.id, contentHash: written.contentHash, takenAt: written.takenAt };
      centralOpen = written.openStateAfter;
      next++;
    } catch (error) {
      if (!(error instanceof PushRefusal)) throw error;
      if (error.kind === 'hash') return refuse(central, result, row, error.message);
      centralOpen = null;
      // another run pushed this host meanwhile: carry on after what it wrote, if it is ours
      head = await centralHead(central, host);
      next = startAfter(history, head?.contentHash ?? null);
    }
  }
}

/** Index of the first local snapshot after the one hashed `centralHash`; null when that one is not in the history. */
function startAfter(history: SnapshotRow[], centralHash: string | null): number | null {
  if (centralHash === null) return 0;
  const index = history.findIndex((row) => row.contentHash === centralHash);
  return index === -1 ? null : index + 1;
}

async function centralHead(central: Store, host: string): Promise<{ id: number; contentHash: string; takenAt: string } | null> {
  const hostId = await findHostId(central.db, host);
  if (hostId === undefined) return null;
  const row = await central.db
    .selectFrom('snapshots')
    .select(['id', 'content_hash', 'taken_at'])
    .where('host_id', '=', hostId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? null : { id: row.id, contentHash: row.content_hash, takenAt: row.taken_at };
}

async function refuse(central: Store, result: PushHostResult, row: SnapshotRow, reason: string): Promise<PushHostResult> {
  result.refused = { snapshotId: row.id, takenAt: row.takenAt, reason };
  await central.db
    .insertInto('push_refusals')
    .values({ host: result.host, snapshot_id: row.id, taken_at: row.takenAt, content_hash: row.contentHash, reason, refused_at: new Date().toISOString() })
    .execute();
  return result;
}

/**
 * Reads a host's snapshots in order, each from the one before it: the versions the next
 * snapshot closed leave, those it opened join (two indexed queries of its changes),
 * instead of rebuilding every snapshot from all its versions (50 ms at 10,000 sockets; a
 * push of 100 snapshots spent most of its time there). Any other step reads the snapshot
 * whole.
 */
class HistoryCursor {
  private current: Map<number, { record: SocketRecord; digest: string }> | null = null;
  private at: number | null = null;

  constructor(private readonly store: Store) {}

  /** The snapshot, with each socket's stored digest (which the central store checks where it matters). */
  async read(row: SnapshotRow, previous: SnapshotRow | undefined): Promise<{ inventory: Inventory; digests: string[] }> {
    const entry = (version: { id: number; record: SocketRecord; storedDigest: string | null }) => [version.id, { record: version.record, digest: version.storedDigest ?? '' }] as const;
    if (this.current !== null && previous !== undefined && this.at === previous.id) {
      for (const version of await loadVersions(this.store.db, row.hostId, { kind: 'closed-in', snapshotId: row.id })) this.current.delete(version.id);
      for (const version of await loadVersions(this.store.db, row.hostId, { kind: 'opened-in', snapshotId: row.id }, { digests: true })) this.current.set(...entry(version));
    } else {
      this.current = new Map((await loadVersions(this.store.db, row.hostId, { kind: 'open-at', openedBy: row.id }, { digests: true })).map(entry));
      for (const version of await loadVersions(this.store.db, row.hostId, { kind: 'closed-after', closedAfter: row.id, openedBy: row.id }, { digests: true })) this.current.set(...entry(version));
    }
    this.at = row.id;
    // in no particular order: a snapshot's hashes do not depend on it
    const entries = [...this.current.values()];
    return { inventory: { meta: snapshotMeta(row), sockets: entries.map((item) => item.record), warnings: row.warnings }, digests: entries.map((item) => item.digest) };
  }
}
