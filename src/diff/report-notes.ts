import type { InventoryWarning } from '../model/socket-record.js';
import type { DiffChange, DiffResult, SnapshotRef, UncomparedNamespace } from './diff-result.js';

/** `#12 (2026-11-25T13:00:00.000Z, @nightly)`, or just the time for an unstored inventory. */
export function snapshotName(ref: SnapshotRef): string {
  const label = ref.label === null ? '' : `, @${ref.label}`;
  return ref.id === null ? `${ref.takenAt}${label}` : `#${ref.id} (${ref.takenAt}${label})`;
}

function shortName(ref: SnapshotRef): string {
  return ref.id === null ? ref.takenAt : `#${ref.id}`;
}

/** One kind of collection warning over both snapshots. */
interface WarningKind {
  code: string;
  countBefore: number;
  countAfter: number;
  /** the newest snapshot's message(s) of this kind (its advice was decided when it ran) */
  messages: string[];
}

function warningKinds(before: readonly InventoryWarning[], after: readonly InventoryWarning[]): WarningKind[] {
  const kinds = new Map<string, WarningKind>();
  const kindOf = (code: string): WarningKind => {
    let kind = kinds.get(code);
    if (kind === undefined) kinds.set(code, (kind = { code, countBefore: 0, countAfter: 0, messages: [] }));
    return kind;
  };
  for (const warning of after) {
    const kind = kindOf(warning.code);
    kind.countAfter += warning.count;
    kind.messages.push(warning.message);
  }
  for (const warning of before) {
    const kind = kindOf(warning.code);
    kind.countBefore += warning.count;
    if (kind.countAfter === 0) kind.messages.push(warning.message);
  }
  return [...kinds.values()];
}

/**
 * Collection warnings of both snapshots, each kind once (issue 15): its counts in each
 * snapshot and the newest message, which carries the advice decided when that snapshot was
 * collected ("run as root" only to a run that was not). A kind with several messages (one
 * per namespace, say) shows the first and how many more.
 *
 * @example
 *   #1 has permission-denied x3, #2 x5 ->
 *     'collection warnings (sockets they hid may show as opened or closed):'
 *     '  permission-denied (#1 x3, #2 x5): permission denied reading the open files of 5 process(es); ...'
 */
function warningLines(before: readonly InventoryWarning[], after: readonly InventoryWarning[], from: SnapshotRef, to: SnapshotRef, sameSnapshot: boolean): string[] {
  const kinds = warningKinds(sameSnapshot ? [] : before, after);
  if (kinds.length === 0) return [];
  const lines = ['collection warnings (sockets they hid may show as opened or closed):'];
  for (const kind of kinds) {
    const counts = sameSnapshot ? `${shortName(to)} x${kind.countAfter}` : `${shortName(from)} x${kind.countBefore}, ${shortName(to)} x${kind.countAfter}`;
    const more = kind.messages.length > 1 ? ` (+${kind.messages.length - 1} more like it)` : '';
    lines.push(`  ${kind.code} (${counts}): ${kind.messages[0]}${more}`);
  }
  return lines;
}

function uncomparedLine(namespace: UncomparedNamespace, from: SnapshotRef, to: SnapshotRef): string {
  const why = {
    'unreadable-before': `could not be read in ${shortName(from)}`,
    'unreadable-after': `could not be read in ${shortName(to)}`,
    'absent-before': `was not seen in ${shortName(from)}`,
    'absent-after': `was not seen in ${shortName(to)}`,
  }[namespace.reason];
  return `namespace ${namespace.name} (${namespace.netns}) ${why}: its sockets are not compared (${namespace.socketsBefore} before, ${namespace.socketsAfter} after)`;
}

/**
 * What the reader must know before trusting the changes: collection warnings of either
 * snapshot and namespaces left out of the comparison. One line each, no markup.
 */
export function reportNotes(result: DiffResult, from: SnapshotRef, to: SnapshotRef): string[] {
  const { before, after } = result.warnings;
  const sameSnapshot = from.id !== null && from.id === to.id;
  const warnings = warningLines(before, after, from, to, sameSnapshot);
  const reboot = result.rebooted ? [`the host rebooted between ${shortName(from)} and ${shortName(to)}: every socket is a new instance`] : [];
  return [
    ...reboot,
    ...warnings,
    ...result.uncompared.map((namespace) => uncomparedLine(namespace, from, to)),
  ];
}

/**
 * A change that says only that the same owners hold a new socket for the same key (a
 * program closed and reopened it): hidden from the text and markdown reports unless
 * --verbose (issue 15), still in the JSON and counted in the summary.
 */
export function isInodeOnly(change: DiffChange): boolean {
  return change.kind === 'changed' && change.fields.length > 0 && change.fields.every((field) => field.field === 'inode');
}

/** The changes a text or markdown report lists. */
export function listedChanges(result: DiffResult, verbose: boolean): DiffChange[] {
  return verbose ? result.changes : result.changes.filter((change) => !isInodeOnly(change));
}

/**
 * `1 exposure widened; 2 opened, 1 closed, 3 changed, 1 rebound, 4 flows`, or `no
 * differences`; with the number of changes a report leaves out when it does.
 */
export function summaryLine(result: DiffResult, listed: number = result.changes.length): string {
  const { widened, opened, closed, changed, rebound, flows } = result.summary;
  if (result.changes.length === 0) return 'no differences';
  const hidden = result.changes.length - listed;
  const hiddenPart = hidden > 0 ? ` (${hidden} inode-only change${hidden === 1 ? '' : 's'} not listed: --verbose lists ${hidden === 1 ? 'it' : 'them'})` : '';
  return `${widened} exposure widened; ${opened} opened, ${closed} closed, ${changed} changed, ${rebound} rebound, ${flows} flow${flows === 1 ? '' : 's'}${hiddenPart}`;
}
