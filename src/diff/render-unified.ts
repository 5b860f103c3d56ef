import { formatPatch } from 'diff';
import { matchesFilter, type SocketFilter } from '../inventory/socket-filter.js';
import { isDualStack } from '../inventory/exposure.js';
import type { Inventory, SocketRecord } from '../model/socket-record.js';
import type { DiffReport } from './diff-report.js';
import { escapeText } from '../render/escape-text.js';
import { describeOwners } from './describe-change.js';
import { readableSocketKey } from './readable-key.js';
import { reportNotes } from './report-notes.js';
import { sortedLinesPatch } from './sorted-lines-patch.js';

/**
 * One line per socket, with everything a diff compares and nothing it ignores (queues,
 * fds, command lines): the same socket in two snapshots gives the same line unless it
 * changed. Escaped (escape-text.ts), so a socket is always one line of the patch; escaping
 * is injective, so two sockets' lines are equal only when their fields are.
 *
 * @example
 *   'tcp 0.0.0.0:22 host  LISTEN  owners sshd[812] /usr/sbin/sshd  uid 0  inode 23456'
 *   'tcp6 [::]:9101 host  LISTEN  owners node[90] /usr/bin/node  uid 0  inode 23457  v4+v6'
 */
export function canonicalSocketLine(socket: SocketRecord): string {
  const parts = [readableSocketKey(socket), socket.state, `owners ${describeOwners(socket.owners)}`, `uid ${socket.uid ?? '-'}`, `inode ${socket.inode}`];
  if (socket.interface !== null) parts.push(`on ${socket.interface}`);
  // a dual-stack socket: `v4+v6` (however it was learnt: the source is not compared); an
  // unknown or v6only one says nothing more, so that a snapshot stored before v6only was
  // recorded gives the same line for an IPv6-only socket
  if (isDualStack(socket) === true) parts.push('v4+v6');
  return escapeText(parts.join('  '));
}

/** Sorted by code unit, which sortedLinesPatch relies on. */
function canonicalLines(inventory: Inventory, skipped: ReadonlySet<number>, filter: SocketFilter): string[] {
  const lines: string[] = [];
  for (const socket of inventory.sockets) {
    if (!skipped.has(socket.netns) && matchesFilter(socket, filter)) lines.push(canonicalSocketLine(socket));
  }
  return lines.sort();
}

function fileName(ref: DiffReport['from']): string {
  return ref.id === null ? `sockaudit/${ref.takenAt}` : `sockaudit/${ref.id}`;
}

/**
 * `diff --format unified`: a patch between the sorted canonical lines of every socket of
 * each snapshot (flows are not grouped here: a patch shows sockets). The hunks are built
 * by a linear merge of the sorted lines (see sorted-lines-patch.ts; the `diff` package's
 * own line diff takes seconds on 50,000 sockets) and formatted by the `diff` package's
 * formatPatch, so the output is what its createTwoFilesPatch prints. Notes (warnings,
 * uncompared namespaces) come first as `#` lines, which patch tools skip. Returns the text
 * and whether it has any hunk.
 */
export function renderUnified(
  report: DiffReport,
  before: Inventory,
  after: Inventory,
  filter: SocketFilter = {},
): { text: string; differs: boolean } {
  const skipped = new Set(report.result.uncompared.map((namespace) => namespace.netns));
  const patch = sortedLinesPatch(
    fileName(report.from),
    fileName(report.to),
    canonicalLines(before, skipped, filter),
    canonicalLines(after, skipped, filter),
    report.from.takenAt,
    report.to.takenAt,
    3,
  );
  const notes = reportNotes(report.result, report.from, report.to).map((note) => `# warning: ${escapeText(note)}\n`).join('');
  if (patch.hunks.length === 0) return { text: notes, differs: false };
  return { text: notes + formatPatch(patch), differs: true };
}
