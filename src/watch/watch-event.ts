import { escapeText } from '../render/escape-text.js';
import type { SocketRecord } from '../model/socket-record.js';
import { socketLabel } from '../review/socket-label.js';

/**
 * What `watch` saw:
 * - `opened`: a listening or bound socket a poll found that the poll before did not;
 * - `closed`: one that went away (from its destroy event, or from a poll no longer listing it);
 * - `short-lived`: a TCP or UDP socket the kernel reported destroyed that no poll and no
 *   snapshot listed (a listener that lived less than one interval, a connection made and
 *   closed between two snapshots); its owner is unknown: by then it has none;
 * - `lost`: the kernel dropped destroy events (its queue for us was full).
 */
export type WatchEventKind = 'opened' | 'closed' | 'short-lived' | 'lost';

export interface WatchEvent {
  kind: WatchEventKind;
  /** when `watch` saw it (ISO). */
  at: string;
  /** poll: a sock_diag poll; destroy: a destroy event; kernel: the kernel's own notice. */
  source: 'poll' | 'destroy' | 'kernel';
  /** the socket, with its owners where known; null for `lost`. */
  socket: SocketRecord | null;
  /** lifetime bounds (ISO, null when unknown): opened after/by, closed after/by. */
  openedAfter: string | null;
  openedBy: string | null;
  closedAfter: string | null;
  closedBy: string | null;
  /** `lost`: how many events, in which namespace. */
  lost: number | null;
  netns: number | null;
  /** the host's latest snapshot when it was seen (set when stored). */
  afterSnapshot?: number | null;
}

/** One JSON line: the event, its socket in the socket record contract. */
export function eventJson(event: WatchEvent): string {
  return JSON.stringify({
    event: event.kind,
    at: event.at,
    source: event.source,
    afterSnapshot: event.afterSnapshot ?? null,
    socket: event.socket,
    lifetime: { openedAfter: event.openedAfter, openedBy: event.openedBy, closedAfter: event.closedAfter, closedBy: event.closedBy },
    lost: event.lost,
    netns: event.netns,
  });
}

/**
 * One text line, e.g.
 *   2026-11-28T05:40:01.120Z opened tcp 0.0.0.0:8080 LISTEN netns host by pid 4242 nc (/usr/bin/nc.openbsd) uid 0
 *   2026-11-28T05:40:01.410Z short-lived tcp 127.0.0.1:41230 -> 127.0.0.1:8080 netns host, owner unknown (closed before a poll saw it)
 * Host text (comm, exe, paths, namespace names) is escaped by the one rule of every human
 * format (src/render/escape-text.ts), so one event is always one line.
 */
export function eventText(event: WatchEvent): string {
  if (event.kind === 'lost') {
    return `${event.at} lost ${event.lost} destroy event(s) in netns ${event.netns}: the kernel's queue was full; a snapshot is taken now`;
  }
  const socket = event.socket!;
  const remote = socket.remoteAddress === null ? '' : ` -> ${socket.remoteAddress.includes(':') ? `[${socket.remoteAddress}]` : socket.remoteAddress}:${socket.remotePort}`;
  const owners =
    socket.owners.length === 0
      ? event.kind === 'short-lived'
        ? 'owner unknown (closed before a poll saw it)'
        : 'owner unknown'
      : `by ${socket.owners.map((owner) => `pid ${owner.pid} ${owner.comm ?? '?'} (${owner.exe ?? '?'}) uid ${owner.uid ?? '?'}`).join(', ')}`;
  return escapeText(`${event.at} ${event.kind} ${socketLabel(socket)}${remote} ${socket.state} netns ${socket.netnsName}, ${owners}`);
}

