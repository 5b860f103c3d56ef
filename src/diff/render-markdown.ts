import type { DiffReport } from './diff-report.js';
import { changeMarker, describeChange } from './describe-change.js';
import { SECTION_TITLES } from './diff-result.js';
import { escapeMarkdown as cell, markdownCode } from '../render/escape-text.js';
import { reportNotes, snapshotName, summaryLine } from './report-notes.js';

/**
 * `diff --format markdown`: a heading, warnings as a quote block, one table row per change
 * and the summary, for tickets and pull requests. Every piece of text goes through
 * escapeMarkdown (the socket key through markdownCode), so host text can neither break a
 * row nor bring markup, links or HTML (escape-text.ts).
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
  const lines = [`### ${cell(`sockaudit diff: ${snapshotName(from)} -> ${snapshotName(to)}, ${hostPart}`)}`, ''];
  const notes = reportNotes(result, from, to);
  if (notes.length > 0) {
    for (const note of notes) lines.push(`> **Warning:** ${cell(note.trim())}  `);
    lines.push('');
  }
  if (result.changes.length > 0) {
    lines.push('| | change | section | socket | details |', '|---|---|---|---|---|');
    for (const change of result.changes) {
      const kind = change.kind === 'changed' || change.kind === 'rebound' ? [change.kind, ...change.tags].join(', ') : change.kind;
      lines.push(
        `| ${changeMarker(change)} | ${cell(kind)} | ${cell(SECTION_TITLES[change.section])} | ${markdownCode(change.key)} | ${cell(describeChange(change, { tags: false }))} |`,
      );
    }
    lines.push('');
  }
  lines.push(`**${summaryLine(result)}**`);
  return `${lines.join('\n')}\n`;
}
