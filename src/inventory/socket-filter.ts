import { UsageError } from '../errors.js';
import { exeMatches } from './exe-match.js';
import { isListening } from './listening.js';
import { SOCKET_FAMILIES, type SocketFamily, type SocketRecord } from '../model/socket-record.js';

/** The filters shared by collect, show and diff (DESIGN.md, "Command line"). */
export interface SocketFilter {
  families?: { family: SocketFamily; ipVersion: 4 | 6 | null }[];
  port?: number;
  states?: string[];
  listening?: boolean;
  pid?: number;
  exe?: string;
  netns?: string;
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
    filter.families = String(options.family)
      .split(',')
      .filter((name) => name.trim() !== '')
      .map((raw) => {
        const name = raw.trim().toLowerCase();
        const ipVersion = name.endsWith('6') ? 6 : name.endsWith('4') ? 4 : null;
        const family = (ipVersion === null ? name : name.slice(0, -1)) as SocketFamily;
        if (!SOCKET_FAMILIES.includes(family)) {
          throw new UsageError(`--family: unknown family "${raw}" (known: ${SOCKET_FAMILIES.join(', ')}; add 4 or 6 for one IP version)`);
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
  }
  if (options.listening === true) filter.listening = true;
  if (options.pid !== undefined) filter.pid = parsePositiveInteger('--pid', options.pid, 2 ** 31);
  if (options.exe !== undefined) filter.exe = String(options.exe);
  if (options.netns !== undefined) filter.netns = String(options.netns);
  return filter;
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
  return true;
}

export function filterSockets(sockets: readonly SocketRecord[], filter: SocketFilter): SocketRecord[] {
  return isEmptyFilter(filter) ? sockets.slice() : sockets.filter((socket) => matchesFilter(socket, filter));
}
