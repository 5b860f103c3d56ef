import { UsageError } from '../errors.js';
import { SOCKET_STATES, type SocketFilter } from '../inventory/socket-filter.js';
import { SOCKET_FAMILIES, type SocketFamily } from '../model/socket-record.js';

/** The filter flags of collect, show and diff as commander hands them over: text, or absent. */
export interface FilterFlags {
  family?: unknown;
  port?: unknown;
  state?: unknown;
  listening?: unknown;
  pid?: unknown;
  exe?: unknown;
  netns?: unknown;
  container?: unknown;
}

function parseWholeNumber(flag: string, value: unknown, max: number): number {
  const text = String(value);
  const number = Number(text);
  if (text.trim() === '' || !Number.isInteger(number) || number < 0 || number > max) {
    throw new UsageError(`${flag} expects a whole number from 0 to ${max}, got "${text}"`);
  }
  return number;
}

/**
 * The filter flags as a SocketFilter, a bad value a UsageError naming the flag.
 * `--family tcp6` means TCP over IPv6 only; `--family tcp` both versions. Whether a
 * --netns names a namespace is only known from the inventory (checkNetnsFilter); a
 * --container that names none matches nothing.
 *
 * @example parseSocketFilter({ family: 'tcp6,unix', state: 'listen', port: '22' })
 *   -> { families: [{ family: 'tcp', ipVersion: 6 }, { family: 'unix', ipVersion: null }], port: 22, states: ['LISTEN'] }
 */
export function parseSocketFilter(flags: FilterFlags): SocketFilter {
  const filter: SocketFilter = {};
  if (flags.family !== undefined) {
    const names = String(flags.family)
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
  if (flags.port !== undefined) filter.port = parseWholeNumber('--port', flags.port, 65535);
  if (flags.state !== undefined) {
    filter.states = String(flags.state)
      .split(',')
      .map((state) => state.trim().toUpperCase().replace(/-/g, '_'))
      .filter((state) => state !== '');
    const valid = `valid: ${SOCKET_STATES.join(', ')}, UNKNOWN(n)`;
    if (filter.states.length === 0) throw new UsageError(`--state: no state given (${valid})`);
    const unknown = filter.states.find((state) => !SOCKET_STATES.includes(state) && !/^UNKNOWN\(\d+\)$/.test(state));
    if (unknown !== undefined) throw new UsageError(`--state: unknown state "${unknown}" (${valid})`);
  }
  if (flags.listening === true) filter.listening = true;
  if (flags.pid !== undefined) filter.pid = parseWholeNumber('--pid', flags.pid, 2 ** 31);
  if (flags.exe !== undefined) filter.exe = String(flags.exe);
  if (flags.netns !== undefined) filter.netns = String(flags.netns);
  if (flags.container !== undefined) {
    filter.container = String(flags.container);
    if (filter.container.trim() === '') throw new UsageError('--container expects a container name, id or pod (namespace/name)');
  }
  return filter;
}
