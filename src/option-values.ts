/**
 * Typed values of command-line options, parsed where commander hands them over
 * (program.ts) so that commands receive numbers, not strings, and a bad value is a
 * UsageError at the command-line boundary (issue 14: options parsed and typed in
 * program.ts). Each message names the flag, what it expects and what it got. The larger
 * values (filters, snapshot selectors, history and prune flags) have their parsers in
 * src/options/, which src/options/command-options.ts puts together per command.
 */
import { DIFF_FORMATS, type DiffFormat } from './diff/diff-format.js';
import { UsageError } from './errors.js';
import type { CmdlinePolicy } from './store/cmdline-policy.js';

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

/**
 * `snapshot --cmdline`: what to keep of owners' command lines; redacted when absent.
 *
 * @example parseCmdlinePolicy('FULL') -> 'full'
 *          parseCmdlinePolicy('some') throws '--cmdline: expected full, redacted or none, got "some"'
 */
export function parseCmdlinePolicy(value: unknown): CmdlinePolicy {
  const text = value === undefined ? 'redacted' : String(value).toLowerCase();
  if (text === 'full' || text === 'redacted' || text === 'none') return text;
  throw new UsageError(`--cmdline: expected full, redacted or none, got "${String(value)}"`);
}

/**
 * `diff --format`, any case; text when absent.
 *
 * @example parseDiffFormat('JSON') -> 'json'
 *          parseDiffFormat('xml') throws '--format: unknown format "xml" (use text, json, unified, markdown)'
 */
export function parseDiffFormat(value: unknown): DiffFormat {
  const format = value === undefined ? 'text' : String(value).toLowerCase();
  if (!(DIFF_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format: unknown format "${String(value)}" (use ${DIFF_FORMATS.join(', ')})`);
  }
  return format as DiffFormat;
}

/**
 * `snapshot --label`: any text but an empty (or blank) one; undefined when absent.
 *
 * @example parseLabel('pre-deploy') -> 'pre-deploy'
 *          parseLabel(' ') throws '--label: expected a non-empty label'
 */
export function parseLabel(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const label = String(value);
  if (label.trim() === '') throw new UsageError('--label: expected a non-empty label');
  return label;
}
