import type { DiffReport } from './diff-report.js';
import { changeMarker, describeChange } from './describe-change.js';
import { SECTION_TITLES } from './diff-result.js';
import { escapeMarkdown as cell, markdownCode } from '../render/escape-text.js';
import { listedChanges, reportNotes, snapshotName, summaryLine } from './report-notes.js';

/**
 * `diff --format markdown`: a heading, warnings as a quote block, one table row per change
 * and the summary, for tickets and pull requests. Every piece of text goes through
 * escapeMarkdown (the socket key through markdownCode), so host text can neither break a
 * row nor bring markup, links or HTML (escape-text.ts).
 *
 * @example
 *   ### sockaudit diff: #1 (...) -> #2 (...), host web1
 *
 *   **0 exposure widened; 1 opened, 0 closed, 0 changed, 0 rebound, 0 flows**
 *
 *   | | change | socket | details |
 *   |---|---|---|---|
 *   | + | opened | `tcp 0.0.0.0:8080 host` | LISTEN  node[4242] /usr/bin/node |
 *
 *   **0 exposure widened; 1 opened, 0 closed, 0 changed, 0 rebound, 0 flows**
 */
export function renderMarkdown(report: DiffReport, options: { verbose?: boolean } = {}): string {
  const { from, to, result } = report;
  const listed = listedChanges(result, options.verbose === true);
  const hostPart = from.host === to.host ? `host ${to.host}` : `hosts ${from.host} -> ${to.host}`;
  const lines = [`### ${cell(`sockaudit diff: ${snapshotName(from)} -> ${snapshotName(to)}, ${hostPart}`)}`, '', `**${cell(summaryLine(result, listed.length))}**`, ''];
  const notes = reportNotes(result, from, to);
  if (notes.length > 0) {
    for (const note of notes) lines.push(`> **Warning:** ${cell(note.trim())}  `);
    lines.push('');
  }
  if (listed.length > 0) {
    lines.push('| | change | section | socket | details |', '|---|---|---|---|---|');
    for (const change of listed) {
      const kind = change.kind === 'changed' || change.kind === 'rebound' ? [change.kind, ...change.tags].join(', ') : change.kind;
      // a widened exposure stands out without colour: marked `!` and its change in bold
      const kindCell = change.tags.includes('exposure-widened') ? `**${cell(kind)}**` : cell(kind);
      lines.push(
        `| ${changeMarker(change)} | ${kindCell} | ${cell(SECTION_TITLES[change.section])} | ${markdownCode(change.key)} | ${cell(describeChange(change, { tags: false }))} |`,
      );
    }
    lines.push('');
  }
  if (result.changes.length > 0) lines.push(`**${cell(summaryLine(result, listed.length))}**`);
  return `${lines.join('\n')}\n`;
}
