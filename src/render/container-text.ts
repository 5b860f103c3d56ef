import type { PublishedTarget, SocketContainer } from '../model/container.js';
import type { SocketRecord } from '../model/socket-record.js';

/*
 * Table cells about containers. Names, images and pods come from cgroup paths and runtime
 * metadata: host text, returned raw here and escaped where a table turns cells into lines
 * (alignColumns, escape-text.ts), like every other cell.
 */

/**
 * A container as the tables show it: its name, after its pod when it has one.
 *
 * @example containerLabel({ name: 'redis-1', podName: null, ... }) -> 'redis-1'
 * @example containerLabel({ name: 'nginx', podName: 'web-7d9f', podNamespace: 'default', ... }) -> 'default/web-7d9f/nginx'
 */
export function containerLabel(container: SocketContainer): string {
  if (container.podName === null) return container.name;
  const pod = container.podNamespace === null ? container.podName : `${container.podNamespace}/${container.podName}`;
  return `${pod}/${container.name}`;
}

/**
 * Where a published host port leads.
 *
 * @example targetLabel({ container: 'web', address: '172.17.0.2', port: 80 }) -> '-> container web:80'
 * @example targetLabel({ container: null, address: '172.17.0.9', port: 80 }) -> '-> 172.17.0.9:80'
 */
export function targetLabel(target: PublishedTarget): string {
  if (target.container !== null) return `-> container ${target.container}:${target.port}`;
  return `-> ${target.address.includes(':') ? `[${target.address}]` : target.address}:${target.port}`;
}

/** The Container column: the socket's container, `-` for none. */
export function containerCell(socket: SocketRecord): string {
  return socket.container === null ? '-' : containerLabel(socket.container);
}

/** Whether any socket has a container or a published target (the column is shown only then). */
export function anyContainer(sockets: readonly SocketRecord[]): boolean {
  return sockets.some((socket) => socket.container !== null || socket.publishedTo !== null);
}
