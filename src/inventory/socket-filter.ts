import { UsageError } from '../errors.js';
import { exeMatches } from './exe-match.js';
import { isListening } from './listening.js';
import { SOCKET_FAMILIES, type NamespaceInfo, type SocketFamily, type SocketRecord } from '../model/socket-record.js';
import { TCP_STATES } from '../proc/parse-inet-table.js';
import { ASSOC_STATES } from '../proc/parse-sctp-tables.js';
import { UNIX_STATES } from '../proc/parse-unix-table.js';

/**
 * Every state a socket record can be in, as the parsers name them: TCP's (also what UDP,
 * raw and ping sockets show), unix's, SCTP associations', and UNCONN. A state the kernel
 * numbers outside these tables is shown as UNKNOWN(n), which --state also accepts.
 */
export const SOCKET_STATES: readonly string[] = [...new Set([...TCP_STATES, ...UNIX_STATES, ...ASSOC_STATES, 'UNCONN'])];

/** The filters shared by collect, show and diff (docs/design.md, "Command line"). */
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

/** The raw option values as commander hands them over. */
export interface FilterOptions {
  family?: unknown;
  port?: unknown;
  state?: unknown;
  listening?: unknown;
  pid?: unknown;
  exe?: unknown;
  netns?: unknown;
  container?: unknown;
}

function parsePositiveInteger(flag: string, value: unknown, max: number): number {
  const text = String(value);
  const number = Number(text);
  if (text.trim() === '' || !Number.isInteger(number) || number < 0 || number > max) {
    throw new UsageError(`${flag} expects a whole number from 0 to ${max}, got "${text}"`);
  }
  return number;
}

/**
 * Turns flag values into a SocketFilter, rejecting bad values with a UsageError.
 * `--family tcp6` means TCP over IPv6 only; `--family tcp` both versions.
 */
export function parseSocketFilter(options: FilterOptions): SocketFilter {
  const filter: SocketFilter = {};
  if (options.family !== undefined) {
    const names = String(options.family)
      .split(',')
      .filter((name) => name.trim() !== '');
    // `--family ''` or `--family ,,,` would match nothing at all: a mistake, not a question
    if (names.length === 0) throw new UsageError(`--family: no family given (valid: ${SOCKET_FAMILIES.join(', ')}; add 4 or 6 for one IP version)`);
    filter.families = names.map((raw) => {
        const name = raw.trim().toLowerCase();
        const ipVersion = name.endsWith('6') ? 6 : name.endsWith('4') ? 4 : null;
        const family = (ipVersion === null ? name : name.slice(0, -1)) as SocketFamily;
        if (!SOCKET_FAMILIES.includes(family)) {
          throw new UsageError(`--family: unknown family "${raw.trim()}" (valid: ${SOCKET_FAMILIES.join(', ')}; add 4 or 6 for one IP version)`);
        }
        return { family, ipVersion };
      });
  }
  if (options.port !== undefined) filter.port = parsePositiveInteger('--port', options.port, 65535);
  if (options.state !== undefined) {
    filter.states = String(options.state)
      .split(',')
      .map((state) => state.trim().toUpperCase().replace(/-/g, '_'))
      .filter((state) => state !== '');
    const valid = `valid: ${SOCKET_STATES.join(', ')}, UNKNOWN(n)`;
    if (filter.states.length === 0) throw new UsageError(`--state: no state given (${valid})`);
    const unknown = filter.states.find((state) => !SOCKET_STATES.includes(state) && !/^UNKNOWN\(\d+\)$/.test(state));
    if (unknown !== undefined) throw new UsageError(`--state: unknown state "${unknown}" (${valid})`);
  }
  if (options.listening === true) filter.listening = true;
  if (options.pid !== undefined) filter.pid = parsePositiveInteger('--pid', options.pid, 2 ** 31);
  if (options.exe !== undefined) filter.exe = String(options.exe);
  if (options.netns !== undefined) filter.netns = String(options.netns);
  if (options.container !== undefined) {
    filter.container = String(options.container);
    if (filter.container.trim() === '') throw new UsageError('--container expects a container name, id or pod (namespace/name)');
  }
  return filter;
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
  throw new UsageError(`--netns: no network namespace "${filter.netns}" in ${where} (it has: ${known.length === 0 ? 'none' : known.join(', ')})`);
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
