import { NotFoundError } from '../errors.js';
import { exeMatches } from './exe-match.js';
import { isListening } from './listening.js';
import type { NamespaceInfo, SocketFamily, SocketRecord } from '../model/socket-record.js';
import { TCP_STATES } from '../proc/parse-inet-table.js';
import { ASSOC_STATES } from '../proc/parse-sctp-tables.js';
import { UNIX_STATES } from '../proc/parse-unix-table.js';

/**
 * Every state a socket record can be in, as the parsers name them: TCP's (also what UDP,
 * raw and ping sockets show), unix's, SCTP associations', and UNCONN. A state the kernel
 * numbers outside these tables is shown as UNKNOWN(n), which --state also accepts.
 */
export const SOCKET_STATES: readonly string[] = [...new Set([...TCP_STATES, ...UNIX_STATES, ...ASSOC_STATES, 'UNCONN'])];

/**
 * The filters shared by collect, show and diff (docs/design.md, "Command line"), parsed
 * from their flags at the command line (src/options/parse-socket-filter.ts).
 */
export interface SocketFilter {
  families?: { family: SocketFamily; ipVersion: 4 | 6 | null }[];
  port?: number;
  states?: string[];
  listening?: boolean;
  pid?: number;
  exe?: string;
  netns?: string;
  container?: string;
}

/**
 * `--netns NAME` must name a namespace of the inventories it filters (by name or inode):
 * one that names none is a typo, not an empty answer. `where` says what was searched,
 * e.g. "snapshot 12".
 *
 * @example checkNetnsFilter({ netns: 'nosuch' }, [{ inode: 4026531840, name: 'host' }], 'snapshot 2')
 *   throws '--netns: no network namespace "nosuch" in snapshot 2 (it has: host (4026531840))'
 */
export function checkNetnsFilter(filter: SocketFilter, namespaces: readonly Pick<NamespaceInfo, 'inode' | 'name'>[], where: string): void {
  if (filter.netns === undefined) return;
  if (namespaces.some((namespace) => namespace.name === filter.netns || String(namespace.inode) === filter.netns)) return;
  const known = [...new Map(namespaces.map((namespace) => [namespace.inode, `${namespace.name} (${namespace.inode})`])).values()];
  throw new NotFoundError(`--netns: no network namespace "${filter.netns}" in ${where} (it has: ${known.length === 0 ? 'none' : known.join(', ')})`);
}

export function isEmptyFilter(filter: SocketFilter): boolean {
  return Object.keys(filter).length === 0;
}

export function matchesFilter(socket: SocketRecord, filter: SocketFilter): boolean {
  if (filter.families !== undefined) {
    const wanted = filter.families.some(
      ({ family, ipVersion }) => socket.family === family && (ipVersion === null || socket.ipVersion === ipVersion),
    );
    if (!wanted) return false;
  }
  if (filter.port !== undefined && socket.localPort !== filter.port && socket.remotePort !== filter.port) return false;
  if (filter.states !== undefined && !filter.states.includes(socket.state)) return false;
  if (filter.listening === true && !isListening(socket)) return false;
  if (filter.pid !== undefined && !socket.owners.some((owner) => owner.pid === filter.pid)) return false;
  if (filter.exe !== undefined && !socket.owners.some((owner) => exeMatches(filter.exe!, owner))) return false;
  if (filter.netns !== undefined && socket.netnsName !== filter.netns && String(socket.netns) !== filter.netns) return false;
  if (filter.container !== undefined && !containerMatches(filter.container, socket)) return false;
  return true;
}

/**
 * `--container WORD`: the socket's container by name, by id or an id prefix of at least 4
 * characters, or its pod (`namespace/name` or the pod name alone); also a host listener
 * that forwards into a container of that name (docker-proxy).
 *
 * @example containerMatches('redis-1', socket in docker container redis-1 (id 3f4e...)) -> true
 * @example containerMatches('3f4e', the same socket) -> true
 * @example containerMatches('default/web-7d9f', socket of container nginx in pod web-7d9f of namespace default) -> true
 * @example containerMatches('web', 0.0.0.0:8080 held by docker-proxy forwarding to container web) -> true
 */
export function containerMatches(word: string, socket: SocketRecord): boolean {
  const container = socket.container;
  if (socket.publishedTo !== null && socket.publishedTo.container === word) return true;
  if (container === null) return false;
  if (container.name === word || container.id === word || (word.length >= 4 && container.id.startsWith(word))) return true;
  if (container.podName === null) return false;
  return container.podName === word || `${container.podNamespace ?? ''}/${container.podName}` === word;
}

export function filterSockets(sockets: readonly SocketRecord[], filter: SocketFilter): SocketRecord[] {
  return isEmptyFilter(filter) ? sockets.slice() : sockets.filter((socket) => matchesFilter(socket, filter));
}
