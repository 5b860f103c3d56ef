import { UsageError } from '../errors.js';
import { SOCKET_FAMILIES, type SocketFamily } from '../model/socket-record.js';
import type { HistoryQuery } from '../review/history-query.js';

/** The flags of `history` as commander hands them over: text, or absent. */
export interface HistoryFlags {
  port?: unknown;
  path?: unknown;
  exe?: unknown;
  family?: unknown;
}

/**
 * The history flags as a query; at least one is required (all sockets ever is not a
 * question). A bad value is a UsageError naming the flag.
 *
 * @example parseHistoryFilter({ port: '22', family: 'tcp6' }) -> { port: 22, family: 'tcp', ipVersion: 6 }
 */
export function parseHistoryFilter(flags: HistoryFlags): HistoryQuery {
  const filter: HistoryQuery = {};
  if (flags.port !== undefined) {
    const text = String(flags.port);
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port expects a whole number from 0 to 65535, got "${text}"`);
    filter.port = port;
  }
  if (flags.path !== undefined) filter.path = String(flags.path);
  if (flags.exe !== undefined) filter.exe = String(flags.exe);
  if (flags.family !== undefined) {
    const name = String(flags.family).trim().toLowerCase();
    const version = /[46]$/.test(name) ? (Number(name.slice(-1)) as 4 | 6) : undefined;
    const family = (version === undefined ? name : name.slice(0, -1)) as SocketFamily;
    if (!SOCKET_FAMILIES.includes(family)) throw new UsageError(`--family: unknown family "${String(flags.family)}" (known: ${SOCKET_FAMILIES.join(', ')}; add 4 or 6 for one IP version)`);
    filter.family = family;
    if (version !== undefined) filter.ipVersion = version;
  }
  if (Object.keys(filter).length === 0) throw new UsageError('history needs at least one of --port, --path, --exe, --family');
  return filter;
}

/**
 * The history flags as the user gave them, for the text report's heading.
 *
 * @example describeHistoryFlags({ port: '22', exe: '/usr/sbin/sshd' }) -> '--port 22 --exe /usr/sbin/sshd'
 */
export function describeHistoryFlags(flags: HistoryFlags): string {
  return (['port', 'path', 'exe', 'family'] as const)
    .filter((flag) => flags[flag] !== undefined)
    .map((flag) => `--${flag} ${String(flags[flag])}`)
    .join(' ');
}
