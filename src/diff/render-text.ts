import { CHANGE_SECTIONS, SECTION_TITLES, type DiffChange } from './diff-result.js';
import type { DiffReport } from './diff-report.js';
import { changeMarker, describeChange } from './describe-change.js';
import { displayWidth, escapeText } from '../render/escape-text.js';
import { listedChanges, reportNotes, snapshotName, summaryLine } from './report-notes.js';

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', boldRed: '\u001b[1;31m' };

/** Keys longer than this are not padded to: one long unix path should not push every line right. */
const MAX_KEY_WIDTH = 48;

function lineColour(change: DiffChange): string {
  if (change.tags.includes('exposure-widened')) return ANSI.boldRed;
  const marker = changeMarker(change);
  return marker === '+' ? ANSI.green : marker === '-' ? ANSI.red : ANSI.yellow;
}

/**
 * The default report: a header naming both snapshots and the summary line, warnings and
 * uncompared namespaces before any change, then one line per change grouped by section,
 * most important first (severityOf: a widened exposure leads, marked `!` even without
 * colour), then the summary again. Inode-only changes are left out unless `verbose`.
 *
 * @example
 *   sockaudit diff #1 (2026-11-25T12:00:00.000Z) -> #2 (2026-11-25T13:00:00.000Z) host web1
 *   1 exposure widened; 1 opened, 0 closed, 0 changed, 1 rebound, 0 flows
 *
 *   Listeners and bound sockets
 *   ! tcp 0.0.0.0:9000 host   rebound, exposure-widened: from 127.0.0.1:9000; exposure loopback -> wildcard
 *   + tcp 0.0.0.0:8080 host   LISTEN  node[4242] /usr/bin/node  uid 1000  wildcard
 *
 *   1 exposure widened; 1 opened, 0 closed, 0 changed, 1 rebound, 0 flows
 */
export function renderText(report: DiffReport, options: { color: boolean; verbose?: boolean }): string {
  const paint = (colour: string, text: string): string => (options.color ? `${colour}${text}${ANSI.reset}` : text);
  const { from, to, result } = report;
  const hostPart = from.host === to.host ? `host ${to.host}` : `hosts ${from.host} -> ${to.host}`;
  // host text (labels, host names, keys, owners, warnings) is escaped before it is painted
  const lines = [escapeText(`sockaudit diff ${snapshotName(from)} -> ${snapshotName(to)} ${hostPart}`)];
  const listed = listedChanges(result, options.verbose === true);
  const summary = summaryLine(result, listed.length);
  lines.push(result.summary.widened > 0 ? paint(ANSI.boldRed, summary) : summary);
  const notes = reportNotes(result, from, to);
  if (notes.length > 0) {
    lines.push('');
    for (const note of notes) lines.push(paint(ANSI.yellow, `warning: ${escapeText(note)}`));
  }
  for (const section of CHANGE_SECTIONS) {
    const changes = listed.filter((change) => change.section === section);
    if (changes.length === 0) continue;
    const keys = changes.map((change) => escapeText(change.key));
    const keyWidths = keys.map(displayWidth);
    const width = Math.min(MAX_KEY_WIDTH, Math.max(...keyWidths));
    lines.push('', paint(ANSI.bold, SECTION_TITLES[section]));
    for (const [index, change] of changes.entries()) {
      const padding = ' '.repeat(Math.max(0, width - keyWidths[index]!));
      const text = `${changeMarker(change)} ${keys[index]!}${padding}  ${escapeText(describeChange(change))}`;
      lines.push(paint(lineColour(change), text.trimEnd()));
    }
  }
  // last again, where a long report ends; not after a bare header and summary
  if (lines.length > 2) lines.push('', result.summary.widened > 0 ? paint(ANSI.boldRed, summary) : summary);
  return `${lines.join('\n')}\n`;
}
