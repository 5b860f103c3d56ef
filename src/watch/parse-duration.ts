import { UsageError } from '../errors.js';

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
