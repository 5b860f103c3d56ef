/**
 * Typed values of command-line options, parsed where commander hands them over
 * (program.ts) so that commands receive numbers, not strings, and a bad value is a
 * UsageError at the command-line boundary (issue 14: options parsed and typed in
 * program.ts). Each message names the flag, what it expects and what it got.
 */
import { UsageError } from './errors.js';

/**
 * A count such as --limit or --keep: a whole number from 1 up to the largest integer a
 * JavaScript number holds exactly (9007199254740991); undefined when the flag is absent.
 *
 * @example parseCount('--limit', '20') -> 20
 *          parseCount('--limit', '99999999999999999999')
 *          throws '--limit: expected a whole number from 1 to 9007199254740991, got "99999999999999999999"'
 */
export function parseCount(flag: string, value: unknown, note = ''): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const count = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(count) || count < 1) {
    throw new UsageError(`${flag}: expected a whole number from 1 to ${Number.MAX_SAFE_INTEGER}${note}, got "${String(value)}"`);
  }
  return count;
}
