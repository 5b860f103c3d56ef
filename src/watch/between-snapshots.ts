import type { SocketRecord } from '../model/socket-record.js';
import type { StoredWatchEvent } from '../store/watch-events.js';
import { escapeText } from '../render/escape-text.js';

/** A socket no snapshot listed, known only from `watch` events. */
export interface SeenBetweenSnapshots {
  /** `listener`: a poll saw it open and close between two snapshots; `short-lived`: only its destroy event did. */
  seenAs: 'listener' | 'short-lived';
  socket: SocketRecord;
  /** the snapshot before it (the one after is the host's next). */
  afterSnapshot: number | null;
  openedAfter: string | null;
  openedBy: string | null;
  closedAfter: string | null;
  closedBy: string | null;
}

/**
 * From stored events (oldest first): the sockets that lived and died between two snapshots.
 * An `opened` event and the `closed` event of the same socket after the same snapshot make
 * one; a `short-lived` event is one. An opened socket still open at the next snapshot, or
 * one closed that a snapshot listed, is the snapshots' to show, not this.
 */
export function seenOnlyByEvents(events: readonly StoredWatchEvent[]): SeenBetweenSnapshots[] {
  const open = new Map<string, StoredWatchEvent>();
  const seen: SeenBetweenSnapshots[] = [];
  for (const event of events) {
    if (event.socket === null) continue;
    const key = `${event.socket.netns}|${event.socket.inode}|${event.afterSnapshot ?? ''}`;
    if (event.kind === 'opened') open.set(key, event);
    else if (event.kind === 'closed') {
      const opened = open.get(key);
      if (opened === undefined) continue;
      open.delete(key);
      seen.push({ seenAs: 'listener', socket: opened.socket!, afterSnapshot: event.afterSnapshot ?? null, openedAfter: opened.openedAfter, openedBy: opened.openedBy, closedAfter: event.closedAfter, closedBy: event.closedBy });
    } else if (event.kind === 'short-lived') {
      seen.push({ seenAs: 'short-lived', socket: event.socket, afterSnapshot: event.afterSnapshot ?? null, openedAfter: event.openedAfter, openedBy: event.openedBy, closedAfter: event.closedAfter, closedBy: event.closedBy });
    }
  }
  return seen.sort((a, b) => String(a.closedBy).localeCompare(String(b.closedBy)));
}

/**
 * The "seen between snapshots" section, text, one line per socket (host text escaped), e.g.
 *   seen between snapshots (2):
 *     tcp 0.0.0.0:4444 LISTEN netns host, open 05:40:00.1-05:40:01.1 to 05:40:30.9-05:40:31.8, nc (/usr/bin/nc) pid 4242
 */
export function renderSeenBetweenSnapshots(seen: readonly SeenBetweenSnapshots[], label: (socket: SocketRecord) => string): string {
  if (seen.length === 0) return '';
  const lines = seen.map((entry) => {
    const socket = entry.socket;
    const remote = socket.remoteAddress === null ? '' : ` -> ${socket.remoteAddress}:${socket.remotePort}`;
    const owners = socket.owners.length === 0 ? 'owner unknown' : socket.owners.map((owner) => `${owner.comm ?? '?'} (${owner.exe ?? '?'}) pid ${owner.pid}`).join(', ');
    const opened = entry.openedAfter === null ? `by ${entry.openedBy}` : `between ${entry.openedAfter} and ${entry.openedBy}`;
    const closed = entry.closedAfter === null ? `by ${entry.closedBy}` : `between ${entry.closedAfter} and ${entry.closedBy}`;
    return `  ${escapeText(`${entry.seenAs} ${label(socket)}${remote} netns ${socket.netnsName}, opened ${opened}, closed ${closed}, ${owners}`)}`;
  });
  return `\nseen between snapshots (${seen.length}, from sockaudit watch):\n${lines.join('\n')}\n`;
}
