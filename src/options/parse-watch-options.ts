import { UsageError } from '../errors.js';

/*
 * The values of `watch` and `events` options (src/options/command-options.ts puts them
 * together): durations, sizes, times and the --on-violation command, each bad one a
 * UsageError naming the flag.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A duration as the user types it: a number and a unit (ms, s, m, h, d, w); a bare
 * number is seconds. `what` names the option in the error.
 *
 * @example parseDuration('1s', '--interval') -> 1000
 * @example parseDuration('5m', '--snapshot-every') -> 300000
 * @example parseDuration('250ms', '--interval') -> 250
 */
export function parseDuration(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (match === null) throw new UsageError(`${what}: expected a duration such as 500ms, 1s, 5m or 1h, got "${text}"`);
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`${what}: expected a duration above zero, got "${text}"`);
  return Math.round(ms);
}

/**
 * --since: a duration ago (`1h`, `30m`, `2d`, optionally followed by "ago") or an ISO time.
 *
 * @example parseSince('1h', new Date('2026-01-01T12:00:00Z')) -> '2026-01-01T11:00:00.000Z'
 */
export function parseSince(text: string, now: Date): string {
  const ago = /^(.*?)(\s+ago)?$/.exec(text.trim())![1]!;
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)?$/.test(ago)) return new Date(now.getTime() - parseDuration(ago, '--since')).toISOString();
  const time = Date.parse(text);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(text.trim())) throw new UsageError(`--since: expected a duration (1h, 2d) or an ISO time, got "${text}"`);
  return new Date(time).toISOString();
}

/**
 * --on-violation CMD is split on whitespace into argv and run without a shell (so a
 * socket's hostile text can never become shell syntax): `--on-violation "/usr/local/bin/page
 * --team sec"` runs that program with two arguments. Quotes are not interpreted; a command
 * that needs them belongs in a script.
 */
export function splitCommand(text: string): string[] {
  const argv = text.split(/\s+/).filter((word) => word !== '');
  if (argv.length === 0) throw new UsageError('--on-violation: expected a command');
  return argv;
}

/**
 * --event-buffer: bytes with an optional k or M (1024-based).
 *
 * @example parseByteSize('4M', '--event-buffer') -> 4194304
 */
export function parseByteSize(text: string, what: string): number {
  const match = /^\s*(\d+)\s*([kKmM]?)i?[bB]?\s*$/.exec(text);
  const bytes = match === null ? NaN : Number(match[1]) * (match[2] === '' ? 1 : /k/i.test(match[2]!) ? 1024 : 1024 * 1024);
  if (!Number.isSafeInteger(bytes) || bytes < 4096 || bytes > 1024 * 1024 * 1024) {
    throw new UsageError(`${what}: expected a size from 4k to 1024M (e.g. 256k, 4M), got "${text}"`);
  }
  return bytes;
}
