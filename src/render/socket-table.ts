import type { SocketRecord } from '../model/socket-record.js';
import { alignColumns } from './align-columns.js';
import { anyContainer, containerCell, targetLabel } from './container-text.js';
import { localEndpoint, netidOf, ownersText, remoteEndpoint } from './format-endpoint.js';

export interface SocketTableOptions {
  color: boolean;
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
 */
export function renderSocketTable(sockets: readonly SocketRecord[], options: SocketTableOptions): string {
  const multipleNamespaces = sockets.some((socket) => socket.netns !== sockets[0]?.netns);
  const containers = anyContainer(sockets);
  const header = ['Netid', 'State', 'Recv-Q', 'Send-Q', 'Local', 'Peer', 'Process'];
  if (containers) header.splice(6, 0, 'Container');
  if (multipleNamespaces) header.unshift('Netns');
  const rows: string[][] = [header];
  for (const socket of sockets) {
    const row = [
      netidOf(socket),
      socket.state,
      socket.recvQueue === null ? '-' : String(socket.recvQueue),
      socket.sendQueue === null ? '-' : String(socket.sendQueue),
      socket.publishedTo === null ? localEndpoint(socket) : `${localEndpoint(socket)} ${targetLabel(socket.publishedTo)}`,
      remoteEndpoint(socket),
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
