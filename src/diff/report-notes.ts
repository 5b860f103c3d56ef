import type { InventoryWarning } from '../model/socket-record.js';
import type { DiffResult, SnapshotRef, UncomparedNamespace } from './diff-result.js';

/** `#12 (2026-11-25T13:00:00.000Z, @nightly)`, or just the time for an unstored inventory. */
export function snapshotName(ref: SnapshotRef): string {
  const label = ref.label === null ? '' : `, @${ref.label}`;
  return ref.id === null ? `${ref.takenAt}${label}` : `#${ref.id} (${ref.takenAt}${label})`;
}

function shortName(ref: SnapshotRef): string {
  return ref.id === null ? ref.takenAt : `#${ref.id}`;
}

function warningLines(subject: string, warnings: readonly InventoryWarning[]): string[] {
  if (warnings.length === 0) return [];
  const total = warnings.reduce((sum, warning) => sum + warning.count, 0);
  return [
    `${subject} ${total} collection warning${total === 1 ? '' : 's'}: sockets it could not see may show as closed or opened`,
    ...warnings.map((warning) => `  ${warning.code} x${warning.count}: ${warning.message}`),
  ];
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
  // a host with a standing problem (say, pid 1 unreadable) warns alike every time: say it once
  const sameWarnings = before.length > 0 && JSON.stringify(before) === JSON.stringify(after);
  const warnings = sameSnapshot
    ? warningLines(`snapshot ${shortName(to)} has`, after)
    : sameWarnings
      ? warningLines(`snapshots ${shortName(from)} and ${shortName(to)} each have`, after)
      : [...warningLines(`snapshot ${shortName(from)} has`, before), ...warningLines(`snapshot ${shortName(to)} has`, after)];
  const reboot = result.rebooted ? [`the host rebooted between ${shortName(from)} and ${shortName(to)}: every socket is a new instance`] : [];
  return [
    ...reboot,
    ...warnings,
    ...result.uncompared.map((namespace) => uncomparedLine(namespace, from, to)),
  ];
}

/** `2 opened, 1 closed, 3 changed, 1 rebound, 4 flows`, or `no differences`. */
export function summaryLine(result: DiffResult): string {
  const { opened, closed, changed, rebound, flows } = result.summary;
  if (result.changes.length === 0) return 'no differences';
  return `${opened} opened, ${closed} closed, ${changed} changed, ${rebound} rebound, ${flows} flow${flows === 1 ? '' : 's'}`;
}
