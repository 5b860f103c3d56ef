import { unixPeerIndex, unixPeerRelation } from '../inventory/unix-peers.js';
import type { SocketRecord } from '../model/socket-record.js';
import { alignColumns } from './align-columns.js';
import { anyContainer, containerCell, targetLabel } from './container-text.js';
import { localEndpoint, netidOf, ownersText, remoteEndpoint } from './format-endpoint.js';

export interface SocketTableOptions {
  color: boolean;
  /** every socket of the inventory, where unix peers are looked up (default: the rows) */
  peersFrom?: readonly SocketRecord[];
}

const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/**
 * An ss-style table: Netid, State, Recv-Q, Send-Q, Local, Peer, Process (every owner),
 * with a Netns column first when the sockets span more than one namespace, and a
 * Container column before Process when any socket is a container's or forwards into one
 * (its Local then says where to: `0.0.0.0:8080 -> container web:80`). Cells are
 * escaped and capped, columns padded to their widest cell, the last one not padded
 * (align-columns.ts); the bold header is styled after alignment.
 *
 * As ss does, a TCP listener's Send-Q is its backlog where it is known (sock_diag), and its
 * Recv-Q the connections waiting for accept(). A connected unix socket's Peer is both ends
 * with their owners (unix-peers.ts): `psql[123] <-> postgres[456] via /run/postgresql/.s.PGSQL.5432`.
 */
export function renderSocketTable(sockets: readonly SocketRecord[], options: SocketTableOptions): string {
  const multipleNamespaces = sockets.some((socket) => socket.netns !== sockets[0]?.netns);
  const containers = anyContainer(sockets);
  const header = ['Netid', 'State', 'Recv-Q', 'Send-Q', 'Local', 'Peer', 'Process'];
  if (containers) header.splice(6, 0, 'Container');
  if (multipleNamespaces) header.unshift('Netns');
  const rows: string[][] = [header];
  const peers = unixPeerIndex(options.peersFrom ?? sockets, sockets);
  for (const socket of sockets) {
    const sendQueue = typeof socket.backlog === 'number' ? socket.backlog : socket.sendQueue;
    const row = [
      netidOf(socket),
      socket.state,
      socket.recvQueue === null ? '-' : String(socket.recvQueue),
      sendQueue === null ? '-' : String(sendQueue),
      socket.publishedTo === null ? localEndpoint(socket) : `${localEndpoint(socket)} ${targetLabel(socket.publishedTo)}`,
      unixPeerRelation(socket, peers) ?? remoteEndpoint(socket),
      ownersText(socket),
    ];
    if (containers) row.splice(6, 0, containerCell(socket));
    if (multipleNamespaces) row.unshift(socket.netnsName);
    rows.push(row);
  }
  const numeric = new Set([header.indexOf('Recv-Q'), header.indexOf('Send-Q')]);
  const lines = alignColumns(rows, { separator: ' ', rightAligned: numeric });
  if (options.color) lines[0] = `${BOLD}${lines[0]}${RESET}`;
  return lines.join('\n') + '\n';
}
