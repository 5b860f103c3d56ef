/**
 * Each command's options, typed and checked, from what commander hands over (a record of
 * strings and booleans): the command-line boundary. program.ts loads this module when a
 * command runs (not at start-up: it brings the filter and selector parsers) and passes
 * the result to the command function; a bad value is a UsageError raised here, so that
 * commands, the collector and the store only ever see valid values. The order of the
 * checks is the order the flags' errors are reported in.
 */
import type { CheckCommandOptions } from '../commands/check.js';
import type { CollectCommandOptions } from '../commands/collect.js';
import type { DiffCommandOptions } from '../commands/diff.js';
import type { DoctorCommandOptions } from '../commands/doctor.js';
import type { HistoryCommandOptions } from '../commands/history.js';
import type { ListCommandOptions } from '../commands/list.js';
import type { ListeningCommandOptions } from '../commands/listening.js';
import type { PruneCommandOptions } from '../commands/prune.js';
import type { ShowCommandOptions } from '../commands/show.js';
import type { SnapshotCommandOptions } from '../commands/snapshot.js';
import type { VerifyCommandOptions } from '../commands/verify.js';
import type { WatchCommandOptions } from '../commands/watch.js';
import type { EventsCommandOptions } from '../commands/events.js';
import type { FleetAddHostOptions } from '../commands/fleet.js';
import type { HostsCommandOptions } from '../commands/hosts.js';
import type { ListeningAllHostsOptions } from '../commands/listening-all-hosts.js';
import type { PushCommandOptions } from '../commands/push.js';
import { LISTENING_GROUPS, type ListeningGroup } from '../review/listening-report.js';
import { isLiveProcRoot } from '../proc/proc-fs.js';
import { UsageError } from '../errors.js';
import { parseCmdlinePolicy, parseCount, parseDiffFormat, parseLabel } from '../option-values.js';
import { describeHistoryFlags, parseHistoryFilter } from './parse-history-filter.js';
import { parsePrunePolicy } from './parse-prune-policy.js';
import { parseSelectorPair, parseSnapshotSelector, parseSnapshotWords } from './parse-snapshot-selector.js';
import { parseSocketFilter } from './parse-socket-filter.js';
import { parseByteSize, parseDuration, parseSince, splitCommand } from './parse-watch-options.js';

/** What commander hands over: each option's value under its camel-cased name. */
export type Flags = Record<string, unknown>;

/** The options every command takes (program.ts, addCommonOptions). */
export interface CommonOptions {
  db?: string;
  procRoot: string;
  /** where container runtimes' metadata is read (default: /). */
  runtimeRoot?: string;
  host?: string;
}

function text(value: unknown): string | undefined {
  return value === undefined ? undefined : String(value);
}

/**
 * --db of a command that reads or writes a database: an empty one is a mistake (a
 * variable that expanded to nothing), not the default location.
 */
function database(flags: Flags): string | undefined {
  if (flags.db === '') throw new UsageError('--db: expected a database path, got an empty string');
  return text(flags.db);
}

function common(flags: Flags): CommonOptions {
  return { db: database(flags), procRoot: text(flags.procRoot) ?? '/proc', runtimeRoot: text(flags.runtimeRoot), host: text(flags.host) };
}

/** collect stores nothing: its --db (a common option) is not looked at. */
export function collectOptions(flags: Flags): CollectCommandOptions {
  return { procRoot: text(flags.procRoot) ?? '/proc', runtimeRoot: text(flags.runtimeRoot), host: text(flags.host), filter: parseSocketFilter(flags), json: flags.json === true };
}

export function snapshotOptions(flags: Flags): SnapshotCommandOptions {
  const cmdline = parseCmdlinePolicy(flags.cmdline);
  return { ...common(flags), cmdline, label: parseLabel(flags.label), quiet: flags.quiet === true, json: flags.json === true, acceptLoss: flags.acceptLoss === true };
}

export function listOptions(flags: Flags): ListCommandOptions {
  return { ...common(flags), limit: parseCount('--limit', flags.limit), json: flags.json === true };
}

/** `show [SNAP...]`: the latest snapshot when none is named. */
export function showOptions(words: readonly string[], flags: Flags, now = new Date()): ShowCommandOptions {
  const filter = parseSocketFilter(flags);
  const snapshot = parseSnapshotWords(words, now) ?? parseSnapshotSelector('latest', now);
  return { ...common(flags), snapshot, filter, json: flags.json === true };
}

export function pruneOptions(flags: Flags, now = new Date()): PruneCommandOptions {
  const keep = parseCount('--keep', flags.keep, ' (the newest snapshot is always kept)');
  const policy = parsePrunePolicy({ keep, olderThan: flags.olderThan }, now);
  return { ...common(flags), policy, json: flags.json === true, quiet: flags.quiet === true, vacuum: flags.vacuum === true };
}

export function verifyOptions(flags: Flags): VerifyCommandOptions {
  return { db: database(flags), json: flags.json === true, quick: flags.quick === true };
}

/** `diff [FROM [TO]]`: see parseSelectorPair for what none or one selector means. */
export function diffOptions(words: readonly string[], flags: Flags, now = new Date()): DiffCommandOptions {
  const format = parseDiffFormat(flags.format);
  const filter = parseSocketFilter(flags);
  const toHost = text(flags.toHost);
  // host-vs-host: each end is its host's latest unless named
  const pair = toHost === undefined ? parseSelectorPair(words, now) : parseSelectorPair(words.length === 0 ? ['latest', 'latest'] : words, now);
  return { ...common(flags), ...pair, filter, format, sockets: flags.sockets === true, verbose: flags.verbose === true, toHost };
}

/** listening and baseline create: SNAP, or undefined for the default (loadReviewInput). */
export function reviewOptions(words: readonly string[], flags: Flags, now = new Date()): ListeningCommandOptions {
  return { ...common(flags), snapshot: parseSnapshotWords(words, now), json: flags.json === true };
}

export function checkOptions(words: readonly string[], flags: Flags, now = new Date()): CheckCommandOptions {
  return { ...reviewOptions(words, flags, now), baseline: String(flags.baseline), allHosts: flags.allHosts === true };
}

export function historyOptions(flags: Flags): HistoryCommandOptions {
  return { ...common(flags), filter: parseHistoryFilter(flags), description: describeHistoryFlags(flags), json: flags.json === true, allHosts: flags.allHosts === true };
}

export function doctorOptions(flags: Flags): DoctorCommandOptions {
  return { db: database(flags), procRoot: text(flags.procRoot) ?? '/proc', json: flags.json === true };
}

/** `watch`: the live /proc only; --on-violation only with --baseline (the file is read by the command). */
export function watchOptions(flags: Flags): WatchCommandOptions {
  const intervalMs = parseDuration(text(flags.interval) ?? '1s', '--interval');
  const snapshotEveryMs = parseDuration(text(flags.snapshotEvery) ?? '5m', '--snapshot-every');
  if (intervalMs < 100) throw new UsageError('--interval: at least 100ms');
  if (snapshotEveryMs < intervalMs) throw new UsageError('--snapshot-every: at least one --interval');
  const cmdline = parseCmdlinePolicy(flags.cmdline);
  const eventQueueBytes = flags.eventBuffer === undefined ? undefined : parseByteSize(String(flags.eventBuffer), '--event-buffer');
  const base = common(flags);
  if (!isLiveProcRoot(base.procRoot)) throw new UsageError('watch reads the live kernel: --proc-root must be /proc');
  const violationArgv = flags.onViolation === undefined ? null : splitCommand(String(flags.onViolation));
  if (violationArgv !== null && flags.baseline === undefined) throw new UsageError('--on-violation needs --baseline');
  return { ...base, intervalMs, snapshotEveryMs, cmdline, eventQueueBytes, violationArgv, baseline: text(flags.baseline), json: flags.json === true };
}

export function eventsOptions(flags: Flags, now = new Date()): EventsCommandOptions {
  const since = flags.since === undefined ? null : parseSince(String(flags.since), now);
  let port: number | null = null;
  if (flags.port !== undefined) {
    const value = String(flags.port);
    port = Number(value);
    if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port: expected a port number (0-65535), got "${value}"`);
  }
  return { ...common(flags), since, port, json: flags.json === true };
}

/** `push --to URL`: the central store is required (the command says so when it is missing). */
export function pushOptions(flags: Flags): PushCommandOptions {
  const to = text(flags.to);
  if (to === undefined || to === '') throw new UsageError('--to: the central store is required, e.g. --to postgres://web-7@db.example/fleet');
  return { db: database(flags), to, host: text(flags.host), json: flags.json === true, quiet: flags.quiet === true };
}

/** `fleet add-host NAME`: a host name as snapshots carry it. */
export function fleetHostName(name: string): string {
  if (name === '' || name.length > 255 || /[\u0000-\u001f\u007f]/.test(name)) throw new UsageError('fleet add-host: NAME must be a host name (1-255 characters, no control characters)');
  return name;
}

/** `fleet init` and `fleet add-host NAME`: a PostgreSQL --db (checked by the command). */
export function fleetOptions(flags: Flags): FleetAddHostOptions {
  return { db: database(flags), passwordFile: text(flags.passwordFile) };
}

/** `hosts [--stale 15m]`: the duration is parsed by the command (hosts.ts, parseStale). */
export function hostsOptions(flags: Flags): HostsCommandOptions {
  const stale = text(flags.stale);
  return { db: database(flags), json: flags.json === true, staleAfterMs: stale === undefined ? undefined : parseStale(stale) };
}

const STALE_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--stale`: a whole number and a unit.
 *
 * @example parseStale('15m') -> 900000
 * @example parseStale('2d') -> 172800000
 */
export function parseStale(text: string): number {
  const match = /^(\d{1,9})([smhdw])$/.exec(text);
  if (match === null) throw new UsageError(`--stale: expected a duration such as 15m, 2h or 1d, got ${JSON.stringify(text)}`);
  return Number(match[1]) * STALE_UNIT_MS[match[2]!]!;
}

/** `listening --all-hosts [--port N] [--exposure GROUP]`: both checked by the command. */
export function listeningAllHostsOptions(flags: Flags): ListeningAllHostsOptions {
  const portText = text(flags.port);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!/^\d{1,5}$/.test(portText!) || port > 65535)) throw new UsageError(`--port: expected a port number 0-65535, got ${JSON.stringify(portText)}`);
  const exposure = text(flags.exposure);
  if (exposure !== undefined && !(LISTENING_GROUPS as readonly string[]).includes(exposure)) throw new UsageError(`--exposure: expected one of ${LISTENING_GROUPS.join(', ')}, got ${JSON.stringify(exposure)}`);
  return { db: database(flags), json: flags.json === true, port, exposure: exposure as ListeningGroup | undefined };
}
