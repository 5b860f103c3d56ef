import { UsageError } from '../errors.js';
import type { SnapshotSelector } from '../store/snapshot-selector.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:Z|[+-](\d{2}):?(\d{2}))?$/i;
/** The widest range a JavaScript Date holds: 100,000,000 days either side of 1970. */
const MAX_DATE_MS = 8.64e15;

/**
 * The fields of an ISO time that Date.parse would roll over instead of refusing
 * (2026-02-30 becomes 2026-03-02): null when all are in range, else what is wrong.
 *
 * @example invalidIsoField(['2026', '02', '30']) -> 'day 30 of February 2026 does not exist'
 */
function invalidIsoField(match: RegExpExecArray): string | null {
  const [year, month, day, hour, minute, second, zoneHour, zoneMinute] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part)));
  if (month! < 1 || month! > 12) return `month ${match[2]} does not exist`;
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (day! < 1 || day! > daysInMonth) {
    const monthName = new Date(Date.UTC(2000, month! - 1, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
    return `day ${match[3]} of ${monthName} ${match[1]} does not exist`;
  }
  if (hour !== undefined && hour > 23) return `hour ${match[4]} does not exist`;
  if (minute !== undefined && minute > 59) return `minute ${match[5]} does not exist`;
  if (second !== undefined && second > 59) return `second ${match[6]} does not exist`;
  if (zoneHour !== undefined && (zoneHour > 23 || zoneMinute! > 59)) return 'the time zone offset is out of range';
  return null;
}

/**
 * Parses one selector, a bad one a UsageError quoting it. `now` anchors relative times.
 *
 * @example
 *   parseSnapshotSelector('42', now)          -> { kind: 'id', id: 42 }
 *   parseSnapshotSelector('latest', now)      -> { kind: 'nth-newest', n: 1, range: false }
 *   parseSnapshotSelector('last 3', now)      -> { kind: 'nth-newest', n: 3, range: true }
 *   parseSnapshotSelector('@pre-deploy', now) -> { kind: 'label', label: 'pre-deploy' }
 *   parseSnapshotSelector('2h', now)          -> { kind: 'at-or-before', time: now minus 2 hours, ISO }
 *   parseSnapshotSelector('2026-11-25T10:00Z', now) -> { kind: 'at-or-before', time: '2026-11-25T10:00:00.000Z' }
 * A date without a time means its start (UTC); a time without a zone is local time.
 */
export function parseSnapshotSelector(input: string, now: Date): SnapshotSelector {
  const text = input.trim();
  if (/^\d+$/.test(text)) {
    const id = Number(text);
    if (!Number.isSafeInteger(id)) throw new UsageError(`snapshot selector "${text}": no snapshot id is that large (ids go up to ${Number.MAX_SAFE_INTEGER})`);
    return { kind: 'id', text, id };
  }
  if (text.toLowerCase() === 'latest') return { kind: 'nth-newest', text, n: 1, range: false };
  const last = /^last(?:\s+(\d+))?$/i.exec(text);
  if (last !== null) {
    const n = last[1] === undefined ? 2 : Number(last[1]);
    if (!Number.isSafeInteger(n)) throw new UsageError(`snapshot selector "${text}": N is too large`);
    if (n < 1) throw new UsageError(`snapshot selector "${text}": last N needs N of 1 or more`);
    return { kind: 'nth-newest', text, n, range: true };
  }
  if (text.startsWith('@')) {
    if (text.length === 1) throw new UsageError('snapshot selector "@" needs a label after the @');
    return { kind: 'label', text, label: text.slice(1) };
  }
  const ago = /^(\d+)\s*([smhdw])(?:\s+ago)?$/i.exec(text);
  if (ago !== null) {
    const ms = Number(ago[1]) * UNIT_MS[ago[2]!.toLowerCase()]!;
    const time = now.getTime() - ms;
    // Date holds 100,000,000 days either side of 1970; further back than that is no time at all
    if (!Number.isFinite(time) || Math.abs(time) > MAX_DATE_MS) {
      throw new UsageError(`snapshot selector "${text}": too far back (a duration reaches back at most 100000000 days, to the year -271821)`);
    }
    return { kind: 'at-or-before', text, time: new Date(time).toISOString() };
  }
  const iso = ISO_TIME.exec(text);
  if (iso !== null) {
    const invalid = invalidIsoField(iso);
    if (invalid !== null) throw new UsageError(`snapshot selector "${text}" is not a valid date: ${invalid}`);
    const time = Date.parse(text.replace(' ', 'T'));
    if (!Number.isNaN(time)) return { kind: 'at-or-before', text, time: new Date(time).toISOString() };
  }
  throw new UsageError(
    `unknown snapshot selector "${text}" (use an id, latest, last N, @label, an ISO time, or a duration such as 30m, 2h, 1d)`,
  );
}

/**
 * Joins command-line words that form one selector: `last 2` and `2h ago` arrive as two
 * arguments.
 *
 * @example groupSelectorWords(['last', '2']) -> ['last 2']
 *          groupSelectorWords(['3h', 'ago', 'latest']) -> ['3h ago', 'latest']
 */
export function groupSelectorWords(words: readonly string[]): string[] {
  const groups: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    const next = words[index + 1];
    if (word.toLowerCase() === 'last' && next !== undefined && /^\d+$/.test(next)) {
      groups.push(`${word} ${next}`);
      index++;
    } else if (next !== undefined && next.toLowerCase() === 'ago') {
      groups.push(`${word} ${next}`);
      index++;
    } else {
      groups.push(word);
    }
  }
  return groups;
}

/**
 * The one snapshot that SNAP words name (show, listening, baseline, check): undefined
 * when none are given (the command's default).
 *
 * @example parseSnapshotWords(['2h', 'ago'], now) -> { kind: 'at-or-before', text: '2h ago', ... }
 *          parseSnapshotWords(['1', '2'], now) throws 'expected one snapshot selector, got 2: 1, 2'
 */
export function parseSnapshotWords(words: readonly string[], now: Date): SnapshotSelector | undefined {
  const selectors = groupSelectorWords(words);
  if (selectors.length > 1) throw new UsageError(`expected one snapshot selector, got ${selectors.length}: ${selectors.join(', ')}`);
  return selectors.length === 0 ? undefined : parseSnapshotSelector(selectors[0]!, now);
}

/** Both ends of a diff, as selectors. */
export interface SelectorPair {
  from: SnapshotSelector;
  to: SnapshotSelector;
}

/**
 * FROM and TO of a diff from its positional words: none means `last 2`; `last N` means
 * the N-th newest and the newest; one other selector means from it to the newest; two
 * selectors are FROM and TO.
 *
 * @example parseSelectorPair([], now)               -> from `last 2`, to `latest`
 *          parseSelectorPair(['last', '5'], now)    -> from the fifth newest, to `latest`
 *          parseSelectorPair(['@before', '12'], now) -> from the newest labelled "before", to snapshot 12
 */
export function parseSelectorPair(words: readonly string[], now: Date): SelectorPair {
  const selectors = groupSelectorWords(words);
  if (selectors.length > 2) {
    throw new UsageError(`expected at most two snapshot selectors (FROM and TO), got ${selectors.length}: ${selectors.join(', ')}`);
  }
  const [from, to] = selectors.map((selector) => parseSnapshotSelector(selector, now));
  return { from: from ?? parseSnapshotSelector('last 2', now), to: to ?? parseSnapshotSelector('latest', now) };
}
