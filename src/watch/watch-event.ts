import { escapeText } from '../render/escape-text.js';
import type { SocketRecord } from '../model/socket-record.js';
import { socketLabel } from '../review/socket-label.js';

export type { WatchEvent, WatchEventKind } from '../model/watch-event.js';
import type { WatchEvent } from '../model/watch-event.js';

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

