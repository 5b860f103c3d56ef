import { socketKey } from '../inventory/socket-key.js';
import type { SocketRecord } from '../model/socket-record.js';
import { socketLabel } from './socket-label.js';

/** One stored version of a socket and the snapshots that bound it (as the store returns it). */
export interface VersionSpan {
  record: SocketRecord;
  openedIn: { id: number; takenAt: string };
  /** the first snapshot without it; null while still open. */
  closedIn: { id: number; takenAt: string } | null;
}

export interface SnapshotPoint {
  id: number;
  takenAt: string;
}

export interface HistoryOwner {
  exe: string | null;
  comm: string | null;
  user: string | null;
  pids: number[];
}

/** A stretch of consecutive snapshots during which one socket (one identity key) existed. */
export interface HistoryPeriod {
  /** readable form of the socket, e.g. `tcp 0.0.0.0:22`. */
  socket: string;
  netnsName: string;
  family: string;
  state: string;
  firstSeen: SnapshotPoint;
  lastSeen: SnapshotPoint;
  /** the first snapshot without it, null while it is still there. */
  goneIn: SnapshotPoint | null;
  /** how many of the host's snapshots lie in the period. */
  snapshotCount: number;
  owners: HistoryOwner[];
}

/** Index of the last element <= id in an ascending list, -1 when none. */
function lastAtOrBefore(ids: readonly SnapshotPoint[], id: number): number {
  let low = 0;
  let high = ids.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (ids[middle]!.id <= id) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

function mergeOwners(into: Map<string, HistoryOwner>, record: SocketRecord): void {
  for (const owner of record.owners) {
    const key = JSON.stringify([owner.exe, owner.comm, owner.user]);
    const existing = into.get(key);
    if (existing === undefined) into.set(key, { exe: owner.exe, comm: owner.comm, user: owner.user, pids: [owner.pid] });
    else if (!existing.pids.includes(owner.pid)) existing.pids.push(owner.pid);
  }
}

/**
 * Turns stored versions into periods: versions of one socket key that follow each other
 * without a gap (one closed in the snapshot that opened the next: a changed owner, state or
 * a reopened socket) form one period. `snapshots` is every snapshot of the host, ascending
 * by id: it gives the last snapshot before a version was closed, and the counts.
 *
 * @example versions of tcp 0.0.0.0:22 opened in 1 closed in 5, opened in 5 (new pid) still
 *          open, snapshots 1..9 -> one period: first seen 1, last seen 9, 9 snapshots,
 *          owners sshd with both pids; a version opened in 7 after one closed in 5 -> a second period.
 */
export function historyPeriods(versions: readonly VersionSpan[], snapshots: readonly SnapshotPoint[]): HistoryPeriod[] {
  const byKey = new Map<string, VersionSpan[]>();
  for (const version of versions) {
    const key = socketKey(version.record);
    const list = byKey.get(key) ?? [];
    list.push(version);
    byKey.set(key, list);
  }
  const latest = snapshots[snapshots.length - 1];
  const periods: HistoryPeriod[] = [];
  for (const list of byKey.values()) {
    list.sort((a, b) => a.openedIn.id - b.openedIn.id);
    let current: { first: VersionSpan; closedIn: VersionSpan['closedIn']; owners: Map<string, HistoryOwner>; last: VersionSpan } | null = null;
    const flush = () => {
      if (current === null) return;
      const firstIndex = Math.max(0, lastAtOrBefore(snapshots, current.first.openedIn.id));
      const lastIndex = current.closedIn === null ? snapshots.length - 1 : lastAtOrBefore(snapshots, current.closedIn.id - 1);
      const lastSeen = snapshots[lastIndex] ?? latest ?? current.first.openedIn;
      const record = current.last.record;
      periods.push({
        socket: socketLabel(record),
        netnsName: record.netnsName,
        family: record.family,
        state: record.state,
        firstSeen: current.first.openedIn,
        lastSeen: { id: lastSeen.id, takenAt: lastSeen.takenAt },
        goneIn: current.closedIn,
        snapshotCount: Math.max(1, lastIndex - firstIndex + 1),
        owners: [...current.owners.values()].map((owner) => ({ ...owner, pids: owner.pids.sort((a, b) => a - b) })),
      });
    };
    for (const version of list) {
      const continues =
        current !== null && (current.closedIn === null || version.openedIn.id <= current.closedIn.id);
      if (current !== null && continues) {
        if (current.closedIn !== null && (version.closedIn === null || version.closedIn.id > current.closedIn.id)) current.closedIn = version.closedIn;
        current.last = version;
        mergeOwners(current.owners, version.record);
        continue;
      }
      flush();
      current = { first: version, closedIn: version.closedIn, owners: new Map(), last: version };
      mergeOwners(current.owners, version.record);
    }
    flush();
  }
  return periods.sort((a, b) => a.firstSeen.id - b.firstSeen.id || a.socket.localeCompare(b.socket) || a.netnsName.localeCompare(b.netnsName));
}
