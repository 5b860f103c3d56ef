import type { DiffReport } from './diff-report.js';
import { changeMarker, describeChange } from './describe-change.js';
import { SECTION_TITLES } from './diff-result.js';
import { reportNotes, snapshotName, summaryLine } from './report-notes.js';

/** A table cell: pipes escaped, newlines flattened. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives backticks inside it (a unix path may hold any character). */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * `diff --format markdown`: a heading, warnings as a quote block, one table row per change
 * and the summary, for tickets and pull requests.
 *
 * @example
 *   ### sockaudit diff: #1 (...) -> #2 (...), host web1
 *
 *   | | change | socket | details |
 *   |---|---|---|---|
 *   | + | opened | `tcp 0.0.0.0:8080 host` | LISTEN  node[4242] /usr/bin/node |
 *
 *   **1 opened, 0 closed, 0 changed, 0 rebound, 0 flows**
 */
export function renderMarkdown(report: DiffReport): string {
  const { from, to, result } = report;
  const hostPart = from.host === to.host ? `host ${to.host}` : `hosts ${from.host} -> ${to.host}`;
  const lines = [`### sockaudit diff: ${cell(snapshotName(from))} -> ${cell(snapshotName(to))}, ${cell(hostPart)}`, ''];
  const notes = reportNotes(result, from, to);
  if (notes.length > 0) {
    for (const note of notes) lines.push(`> **Warning:** ${note.trim()}  `);
    lines.push('');
  }
  if (result.changes.length > 0) {
    lines.push('| | change | section | socket | details |', '|---|---|---|---|---|');
    for (const change of result.changes) {
      const kind = change.kind === 'changed' || change.kind === 'rebound' ? [change.kind, ...change.tags].join(', ') : change.kind;
      lines.push(
        `| ${changeMarker(change)} | ${cell(kind)} | ${cell(SECTION_TITLES[change.section])} | ${cell(code(change.key))} | ${cell(describeChange(change, { tags: false }))} |`,
      );
    }
    lines.push('');
  }
  lines.push(`**${summaryLine(result)}**`);
  return `${lines.join('\n')}\n`;
}
