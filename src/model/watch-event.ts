import type { SocketRecord } from './socket-record.js';

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

/** An event as the store keeps it: the same, with the row id it was stored under. */
export type StoredWatchEvent = WatchEvent & { id?: number };
